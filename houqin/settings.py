"""Houqin settings. Everything that differs between machines comes from the environment.

Local development needs no variables at all: SQLite in ./var, DEBUG on, a throw-away secret.
Production sets HOUQIN_ENV=production, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL; the
security settings below then switch on (``manage.py check --deploy`` is clean).
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HOUQIN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("HOUQIN_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = os.environ["SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    # Houqin
    "houqin.core",
    "houqin.accounts",
    "houqin.org",
    "houqin.approvals",
    "houqin.notify",
    "houqin.assets",
    "houqin.stocktake",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "houqin.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "houqin.core.middleware.HouqinLoginRequiredMiddleware",
    "houqin.core.middleware.SchoolMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:  # runserver and the test live server serve static files themselves
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "houqin.urls"
WSGI_APPLICATION = "houqin.wsgi.application"
ASGI_APPLICATION = "houqin.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "houqin" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "houqin.core.context_processors.houqin",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
# SQLite by default (WAL, IMMEDIATE transactions so writers queue instead of failing, a busy
# timeout); PostgreSQL (or anything dj-database-url knows) through DATABASE_URL.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "houqin.sqlite3",
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and login security ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "houqin.accounts.backends.UsernameOrMobileBackend",
    "houqin.core.permissions.SchoolRoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "8"))
AXES_COOLOFF_TIME = 0.25  # hours: 15 minutes
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False  # nothing personal in logs

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' HSTS preload list is the operator's decision for their domain.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy, sent by houqin.core.middleware. No inline scripts anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [Path(os.environ.get("HOUQIN_LOCALE_DIR", BASE_DIR / "locale"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "houqin" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"  # never served directly: files go through authorised views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION and not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes an anonymous request a 401, not a 403.
        "houqin.core.api.authentication.SchoolTokenAuthentication",
        "houqin.core.api.authentication.SchoolSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["houqin.core.api.permissions.SchoolModelPermissions"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "houqin.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "houqin.core.api.schema.HouqinAutoSchema",
    "EXCEPTION_HANDLER": "houqin.core.api.errors.exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Houqin API",
    "DESCRIPTION": "后勤管理系统 API. Every request acts inside one school: the user's current "
    "school, or the one named by the X-Houqin-School header.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the installed sidecar package: no CDN, and CSP-clean with the split view.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Many models have a "status" or "kind": each choice set gets a stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ApprovalStatusEnum": "houqin.approvals.choices.ApprovalStatus",
        "GeneralRequestStatusEnum": "houqin.approvals.choices.GeneralRequestStatus",
        "StepStatusEnum": "houqin.approvals.choices.StepStatus",
        "TaskStatusEnum": "houqin.approvals.choices.TaskStatus",
        "StepKindEnum": "houqin.approvals.choices.StepKind",
        "AssetStatusEnum": "houqin.assets.choices.AssetStatus",
        "AssetConditionEnum": "houqin.assets.choices.Condition",
        "TransferStatusEnum": "houqin.assets.choices.TransferStatus",
        "CustodyStatusEnum": "houqin.assets.choices.CustodyStatus",
        "LoanStatusEnum": "houqin.assets.choices.LoanStatus",
        "DamageStatusEnum": "houqin.assets.choices.DamageStatus",
        "DisposalStatusEnum": "houqin.assets.choices.DisposalStatus",
        "DisposalKindEnum": "houqin.assets.choices.DisposalKind",
        "StocktakeKindEnum": "houqin.stocktake.choices.StocktakeKind",
        "StocktakeStatusEnum": "houqin.stocktake.choices.StocktakeStatus",
        "CountConditionEnum": "houqin.stocktake.choices.CountCondition",
        "LineResultEnum": "houqin.stocktake.choices.LineResult",
        "AdjustmentKindEnum": "houqin.stocktake.choices.AdjustmentKind",
        "LocationKindEnum": "houqin.org.choices.LocationKind",
        "SchoolKindEnum": "houqin.org.choices.SchoolKind",
        "DeliveryStatusEnum": "houqin.notify.choices.DeliveryStatus",
        "ReminderKindEnum": "houqin.notify.choices.ReminderKind",
        "AttachmentKindEnum": "houqin.core.models.AttachmentKind",
        "ExportJobStatusEnum": "houqin.core.export_models.ExportJob.Status",
    },
}

# --- Background tasks -----------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("HOUQIN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Logging: no personal data, just what happened ------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Houqin ---------------------------------------------------------------------------------------
HOUQIN = {
    # Count shown as "1000+" above this on list pages.
    "COUNT_CAP": 1000,
    "PAGE_SIZE": 25,
    "IMPORT_MAX_ROWS": 20000,
    "IMPORT_MAX_BYTES": 10 * 1024 * 1024,
    # Exports larger than this run as a task with progress instead of inside the request.
    "EXPORT_SYNC_MAX_ROWS": int(os.environ.get("HOUQIN_EXPORT_SYNC_MAX_ROWS", 3000)),
    # Attachments: largest upload, and the longest side a photo is shrunk to (phones take 4000 px).
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("HOUQIN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)),
    "IMAGE_MAX_SIDE": 1600,
    "THUMBNAIL_SIDE": 320,
}

SITE_NAME = _("后勤管理系统")

# --- Notifications --------------------------------------------------------------------------------
# E-mail: printed to the console locally; set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend
# and EMAIL_HOST ... for real mail (e.g. the school's 企业邮箱).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "houqin@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails and group-robot messages start with this address.
HOUQIN_SITE_URL = os.environ.get("HOUQIN_SITE_URL", "http://127.0.0.1:8000")
# Key encrypting robot URLs and secrets at rest: derived from SECRET_KEY unless set on its own
# (set it when SECRET_KEY may be rotated; changing it makes stored robot addresses unreadable).
HOUQIN_FIELD_KEY = os.environ.get("HOUQIN_FIELD_KEY") or f"houqin-field-key:{SECRET_KEY}"
# Hosts group robots may post to ("*" allows any; the official robot hosts by default).
HOUQIN_WEBHOOK_HOSTS = env_list("HOUQIN_WEBHOOK_HOSTS", "qyapi.weixin.qq.com,oapi.dingtalk.com")
