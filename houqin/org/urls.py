from django.urls import path

from . import import_views, print_views, views

app_name = "org"
urlpatterns = [
    path("campuses/", views.campus_list, name="campus_list"),
    path("campuses/add/", views.campus_create, name="campus_create"),
    path("campuses/<int:pk>/", views.campus_detail, name="campus_detail"),
    path("campuses/<int:pk>/edit/", views.campus_update, name="campus_update"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/add/", views.location_create, name="location_create"),
    path("locations/<int:pk>/", views.location_detail, name="location_detail"),
    path("locations/<int:pk>/edit/", views.location_update, name="location_update"),
    path("departments/", views.department_list, name="department_list"),
    path("departments/add/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_update, name="department_update"),
    path("classes/", views.schoolclass_list, name="schoolclass_list"),
    path("classes/add/", views.schoolclass_create, name="schoolclass_create"),
    path("classes/<int:pk>/", views.schoolclass_detail, name="schoolclass_detail"),
    path("classes/<int:pk>/edit/", views.schoolclass_update, name="schoolclass_update"),
    path("staff/", views.membership_list, name="membership_list"),
    path("staff/add/", views.membership_create, name="membership_create"),
    path("staff/<int:pk>/", views.membership_detail, name="membership_detail"),
    path("staff/<int:pk>/edit/", views.membership_update, name="membership_update"),
    path("staff/<int:pk>/password/", views.membership_set_password, name="membership_set_password"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/add/", views.role_create, name="role_create"),
    path("roles/<int:pk>/", views.role_detail, name="role_detail"),
    path("roles/<int:pk>/edit/", views.role_update, name="role_update"),
    path("locations/import/", import_views.location_import, name="location_import"),
    path(
        "locations/import/template.xlsx",
        import_views.location_import_template,
        name="location_import_template",
    ),
    path("staff/import/", import_views.membership_import, name="membership_import"),
    path(
        "staff/import/template.xlsx",
        import_views.membership_import_template,
        name="membership_import_template",
    ),
    path("classes/import/", import_views.schoolclass_import, name="schoolclass_import"),
    path(
        "classes/import/template.xlsx",
        import_views.schoolclass_import_template,
        name="schoolclass_import_template",
    ),
    path("locations/labels/", print_views.location_labels, name="location_labels"),
]
