"""OpenAPI descriptions of our authentication classes (imported once in CoreConfig.ready)."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class SchoolSessionScheme(SessionScheme):
    target_class = "houqin.core.api.authentication.SchoolSessionAuthentication"


class SchoolTokenScheme(TokenScheme):
    target_class = "houqin.core.api.authentication.SchoolTokenAuthentication"


# --- error responses, documented on every operation (houqin.core.api.errors makes the bodies) -------

from django.utils.translation import gettext_lazy as _  # noqa: E402
from drf_spectacular.openapi import AutoSchema  # noqa: E402
from drf_spectacular.utils import OpenApiResponse  # noqa: E402
from rest_framework import serializers  # noqa: E402


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("读者能看懂的一句话"))
    code = serializers.CharField(help_text=_("机器可读的错误代码，如 not_found、permission_denied"))


class ValidationErrorSerializer(ErrorSerializer):
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("每个字段的错误信息；不属于某个字段的在 non_field_errors 里"),
    )


ERROR_RESPONSES = {
    "400": (ValidationErrorSerializer, _("提交的数据或查询参数有误")),
    "401": (ErrorSerializer, _("未登录，或令牌无效")),
    "403": (ErrorSerializer, _("没有权限，或当前没有学校")),
    "404": (ErrorSerializer, _("找不到：不存在、不属于当前学校，或页码超出范围")),
}


class HouqinAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error bodies every operation may answer with."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (serializer, description) in ERROR_RESPONSES.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=description), code, direction=direction
                )
        return responses
