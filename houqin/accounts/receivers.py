"""Audit records for sign-in events. Django sends these signals itself; we only record them."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from houqin.core import audit


def _school_of(user):
    from houqin.org.models import Membership

    membership = Membership.objects.filter(user=user, is_active=True).select_related("school").first()
    return membership.school if membership else None


@receiver(user_logged_in, dispatch_uid="houqin_audit_login")
def on_login(sender, request, user, **kwargs):
    audit.record(actor=user, verb="login", target=user, school=_school_of(user))


@receiver(user_logged_out, dispatch_uid="houqin_audit_logout")
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, verb="logout", target=user, school=_school_of(user))


@receiver(user_login_failed, dispatch_uid="houqin_audit_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    # The attempted name is not stored: it may be a mistyped password. The user, if one matches,
    # is the target, so their own page shows failed attempts.
    from django.contrib.auth import get_user_model

    User = get_user_model()
    identifier = (credentials or {}).get("username") or ""
    user = User._default_manager.filter(username=identifier).first() or (
        User._default_manager.filter(mobile=identifier).first() if identifier.isdigit() else None
    )
    audit.record(actor=None, verb="login_failed", target=user, school=_school_of(user) if user else None)
