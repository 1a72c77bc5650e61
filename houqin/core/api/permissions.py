from rest_framework.permissions import DjangoModelPermissions


class SchoolModelPermissions(DjangoModelPermissions):
    """Model permissions from the user's roles in the current school, reads included.

    Without a current school there is nothing to see: 403.
    """

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(request._request, "school", None) is None:
            return False
        if getattr(view, "_ignore_model_permissions", False):
            return True
        return super().has_permission(request, view)
