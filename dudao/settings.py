"""One env-driven settings module (DESIGN: settings)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DUDAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DUDAO_ENV = os.environ.get("DUDAO_ENV", "development")
PRODUCTION = DUDAO_ENV == "production"

SECRET_KEY = os.environ.get("DUDAO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise RuntimeError("DUDAO_SECRET_KEY must be set when DUDAO_ENV=production")
    SECRET_KEY = "dev-insecure-dudao-key-change-me-0123456789abcdef"  # noqa: S105 - development only
# Key for personal data (resident ID numbers): encryption and blind index. Falls back to SECRET_KEY.
DUDAO_PII_KEY = os.environ.get("DUDAO_PII_KEY", SECRET_KEY)

DEBUG = os.environ.get("DUDAO_DEBUG", "0" if PRODUCTION else "1") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DUDAO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DUDAO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "dudao.common",
    "dudao.accounts",
    "dudao.workdays",
    "dudao.registry",
    "dudao.people",
    "dudao.scorecards",
    "dudao.supervision",
    "dudao.renewals",
    "dudao.documents",
    "dudao.notifications",
    "dudao.web",
    "dudao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dudao.common.middleware.RequestIdMiddleware",
    # Hostile requests (issue 8 §1): oversized bodies before anything reads them, then control characters.
    "dudao.common.request_limits.RequestSizeLimitMiddleware",
    "dudao.common.request_limits.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dudao.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "dudao.urls"
WSGI_APPLICATION = "dudao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dudao.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dudao.sqlite3'}"),
        conn_max_age=int(os.environ.get("DUDAO_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout: readers never block the single writer; IMMEDIATE avoids upgrade deadlocks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if os.environ.get("DUDAO_TEST_DB_NAME"):
    # Lets several test runs share one PostgreSQL server without clashing on the test database name.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["DUDAO_TEST_DB_NAME"]}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Lockout after repeated failed logins (accounts.services.login_attempt).
DUDAO_LOGIN_MAX_FAILURES = int(os.environ.get("DUDAO_LOGIN_MAX_FAILURES", "5"))
DUDAO_LOGIN_LOCK_MINUTES = int(os.environ.get("DUDAO_LOGIN_LOCK_MINUTES", "15"))
# Password of the demo users created by `dudao demo-data` (development only).
DUDAO_DEMO_PASSWORD = os.environ.get("DUDAO_DEMO_PASSWORD", "Dudao#2026")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "dudao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# ---- Uploads and request size (issue 8 §1: hostile files and requests) ------------------------------
# Evidence and uploads are never served from MEDIA_URL: only through permission-checked views.
# One uploaded file (evidence, attachment, import) at most:
DUDAO_UPLOAD_MAX_BYTES = int(os.environ.get("DUDAO_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# A whole request body at most (all files and fields of one submission): larger bodies are refused with
# 413 from their Content-Length before they are read (dudao.common.request_limits).
DUDAO_MAX_REQUEST_BYTES = int(os.environ.get("DUDAO_MAX_REQUEST_BYTES", str(20 * 1024 * 1024)))
# Non-file form fields and JSON bodies held in memory (Django refuses more with 400/413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440
# Django's 400 page and CSRF failure page are the Chinese templates 400.html and 403_csrf.html.
# ---- end of uploads and request size -----------------------------------------------------------------

# Documents (docs/documents.md): admin template overrides, LibreOffice binary, PDF time limit.
# None: MEDIA_ROOT/templates/documents (resolved at call time).
DUDAO_DOCUMENT_TEMPLATE_DIRS = [
    p for p in os.environ.get("DUDAO_DOCUMENT_TEMPLATE_DIRS", "").split(os.pathsep) if p
] or None
DUDAO_SOFFICE = os.environ.get("DUDAO_SOFFICE", "")
DUDAO_PDF_TIMEOUT = int(os.environ.get("DUDAO_PDF_TIMEOUT", "60"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("DUDAO_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("DUDAO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUDAO_LOG_LEVEL", "WARNING")},
}
