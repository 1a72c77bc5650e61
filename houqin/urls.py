from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from houqin.core import views as core_views

api_v1 = [
    path("", include("houqin.org.api.urls")),
    path("", include("houqin.approvals.api.urls")),
    path("", include("houqin.notify.api.urls")),
    path("", include("houqin.assets.api.urls")),
    path("", include("houqin.stocktake.api.urls")),
    path("", include("houqin.core.api.urls")),
]

urlpatterns = [
    path("", include("houqin.core.urls")),
    path("accounts/", include("houqin.accounts.urls")),
    path("org/", include("houqin.org.urls")),
    path("approvals/", include("houqin.approvals.urls")),
    path("notify/", include("houqin.notify.urls")),
    path("assets/", include("houqin.assets.urls")),
    path("stocktake/", include("houqin.stocktake.urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("i18n/js/", login_not_required(JavaScriptCatalog.as_view()), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
