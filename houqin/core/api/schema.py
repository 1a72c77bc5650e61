"""OpenAPI descriptions of our authentication classes (imported once in CoreConfig.ready)."""

from drf_spectacular.authentication import SessionScheme, TokenScheme


class SchoolSessionScheme(SessionScheme):
    target_class = "houqin.core.api.authentication.SchoolSessionAuthentication"


class SchoolTokenScheme(TokenScheme):
    target_class = "houqin.core.api.authentication.SchoolTokenAuthentication"
