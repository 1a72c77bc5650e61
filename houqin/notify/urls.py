from django.urls import path

from . import views

app_name = "notify"
urlpatterns = [
    path("", views.notification_list, name="notification_list"),
    path("<int:pk>/read/", views.notification_read, name="notification_read"),
    path("read-all/", views.notification_read_all, name="notification_read_all"),
    path("settings/", views.notificationpreference_update, name="notificationpreference_update"),
    path("robots/", views.webhookendpoint_list, name="webhookendpoint_list"),
    path("robots/add/", views.webhookendpoint_create, name="webhookendpoint_create"),
    path("robots/<int:pk>/edit/", views.webhookendpoint_update, name="webhookendpoint_update"),
    path("robots/<int:pk>/test/", views.webhookendpoint_test, name="webhookendpoint_test"),
    path("reminders/", views.reminderrule_list, name="reminderrule_list"),
    path("reminders/add/", views.reminderrule_create, name="reminderrule_create"),
    path("reminders/<int:pk>/edit/", views.reminderrule_update, name="reminderrule_update"),
]
