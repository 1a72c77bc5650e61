from django.conf import settings
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        return super().get_page_size(request) or settings.REST_FRAMEWORK["PAGE_SIZE"]
