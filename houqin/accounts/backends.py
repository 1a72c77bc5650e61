from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrMobileBackend(ModelBackend):
    """Sign in with the username or the 11-digit mobile number.

    Permissions do not come from here (ModelBackend's user/group permissions are not used):
    ``houqin.core.permissions.SchoolRoleBackend`` answers from the roles in the current school.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        identifier = username.strip()
        field = "mobile" if identifier.isdigit() and len(identifier) == 11 else "username"
        try:
            user = User._default_manager.get(**{field: identifier})
        except User.DoesNotExist:
            User().set_password(password)  # same time spent as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user_permissions(self, user_obj, obj=None):
        return set()

    def get_group_permissions(self, user_obj, obj=None):
        return set()

    def get_all_permissions(self, user_obj, obj=None):
        return set()

    def has_perm(self, user_obj, perm, obj=None):
        return False
