from django.urls import path

from . import attachment_views, export_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("switch-school/", views.switch_school, name="switch_school"),
    path("healthz/", views.healthz, name="healthz"),
    path("audit/", views.auditevent_list, name="auditevent_list"),
    path("exports/<int:pk>/", export_views.exportjob_detail, name="exportjob_detail"),
    path("exports/<int:pk>/download/", export_views.exportjob_download, name="exportjob_download"),
    path("attachments/upload/", attachment_views.attachment_upload, name="attachment_upload"),
    path("attachments/sign/", attachment_views.attachment_sign, name="attachment_sign"),
    path("attachments/<int:pk>/", attachment_views.attachment_download, name="attachment_download"),
    path(
        "attachments/<int:pk>/thumbnail/", attachment_views.attachment_thumbnail, name="attachment_thumbnail"
    ),
    path("attachments/<int:pk>/remove/", attachment_views.attachment_remove, name="attachment_remove"),
]
