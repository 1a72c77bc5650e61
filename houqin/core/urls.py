from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("switch-school/", views.switch_school, name="switch_school"),
    path("healthz/", views.healthz, name="healthz"),
    path("audit/", views.auditevent_list, name="auditevent_list"),
]
