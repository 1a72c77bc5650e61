from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from houqin.core.http import add_service_errors

from .forms import ProfileForm
from .services import user_update_profile


def profile(request):
    user = request.user
    form = ProfileForm(
        request.POST or None,
        initial={
            "display_name": user.display_name,
            "mobile": user.mobile or "",
            "email": user.email,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update_profile(actor=user, user=user, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("个人资料已保存。"))
            return redirect("accounts:profile")
    return TemplateResponse(request, "accounts/profile.html", {"form": form})
