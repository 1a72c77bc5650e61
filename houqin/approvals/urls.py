from django.urls import path

from . import views

app_name = "approvals"
urlpatterns = [
    path("", views.approvalrequest_list, name="approvalrequest_list"),
    path("<int:pk>/", views.approvalrequest_detail, name="approvalrequest_detail"),
    path("<int:pk>/act/", views.approvalrequest_act, name="approvalrequest_act"),
    path("requests/", views.generalrequest_list, name="generalrequest_list"),
    path("requests/add/", views.generalrequest_create, name="generalrequest_create"),
    path("requests/<int:pk>/", views.generalrequest_detail, name="generalrequest_detail"),
    path("requests/<int:pk>/edit/", views.generalrequest_update, name="generalrequest_update"),
    path("requests/<int:pk>/submit/", views.generalrequest_submit, name="generalrequest_submit"),
    path("policies/", views.approvalpolicy_list, name="approvalpolicy_list"),
    path("policies/<int:pk>/", views.approvalpolicy_detail, name="approvalpolicy_detail"),
    path("policies/<int:pk>/edit/", views.approvalpolicy_update, name="approvalpolicy_update"),
    path("delegations/", views.approvaldelegation_list, name="approvaldelegation_list"),
    path("delegations/add/", views.approvaldelegation_create, name="approvaldelegation_create"),
    path("delegations/<int:pk>/cancel/", views.approvaldelegation_cancel, name="approvaldelegation_cancel"),
]
