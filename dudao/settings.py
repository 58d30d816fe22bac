"""One env-driven settings module (DESIGN: settings)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from dudao.archives.domain import RetentionSettingError, parse_retention
from dudao.common.pii_keys import pii_keys_from_env
from dudao.exams.domain import upload as _upload_rules

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DUDAO_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DUDAO_ENV = os.environ.get("DUDAO_ENV", "development")
PRODUCTION = DUDAO_ENV == "production"

# --- production checks (issue 8 §5) -------------------------------------------------------------
# The development key is published in this file: production refuses it, any known default and any key
# shorter than 50 characters (dudao.web.checks: a system check error, also raised when gunicorn loads
# dudao.wsgi, which runs no system checks). DEBUG is never on in production, whatever DUDAO_DEBUG says.
DEV_SECRET_KEY = "dev-insecure-dudao-key-change-me-0123456789abcdef"  # noqa: S105 - development only
SECRET_KEY = os.environ.get("DUDAO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "生产模式(DUDAO_ENV=production)必须设置 DUDAO_SECRET_KEY(至少 50 个字符的随机值)"
        )
    SECRET_KEY = DEV_SECRET_KEY
# Versioned keys for personal data (SEC-3, ADR 0001): DUDAO_PII_KEYS="2:…,1:…" (first is current) or
# DUDAO_PII_KEY (version 1). Production refuses to start without one; development falls back to SECRET_KEY.
DUDAO_PII_KEY_VERSION, DUDAO_PII_KEYS = pii_keys_from_env(
    os.environ, production=PRODUCTION, secret_key=SECRET_KEY
)

DEBUG = False if PRODUCTION else os.environ.get("DUDAO_DEBUG", "1") == "1"
# --- end production checks -----------------------------------------------------------------------
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
    "dudao.exams",
    "dudao.archives",
    "dudao.complaints",
    "dudao.analytics",
    "dudao.quality",
    "dudao.dashboards",
    "dudao.documents",
    "dudao.notifications",
    "dudao.web",
    "dudao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files served by the application server itself (gunicorn, no proxy needed; issue 8 §5).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dudao.web.middleware.ContentSecurityPolicyMiddleware",
    "dudao.common.middleware.RequestIdMiddleware",
    # Hostile requests (issue 8 §1): oversized bodies before anything reads them, then control characters.
    "dudao.common.request_limits.RequestSizeLimitMiddleware",
    "dudao.common.request_limits.ControlCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dudao.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dudao.common.no_store.NoStoreMiddleware",  # SEC-3: no cached copies of personal data
    "django.contrib.messages.middleware.MessageMiddleware",
    "dudao.accounts.middleware.SessionPolicyMiddleware",
    "dudao.accounts.break_glass.BreakGlassAuditMiddleware",  # SEC-2: every superuser request is audited
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "dudao.web.page_errors.ApplicationErrorPageMiddleware",
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
# --- Accounts and sessions (SEC-2, docs/security.md) -------------------------------------------------
# Password policy: length ≥ 10, 3 of 4 character classes, not the user name (accounts.validators).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "dudao.accounts.validators.PasswordPolicyValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
# Lockout of one account from one address after repeated wrong passwords (accounts.services.login_attempt);
# other addresses are not locked, so a guesser cannot lock the real user out.
DUDAO_LOGIN_MAX_FAILURES = int(os.environ.get("DUDAO_LOGIN_MAX_FAILURES", "5"))
DUDAO_LOGIN_LOCK_MINUTES = int(os.environ.get("DUDAO_LOGIN_LOCK_MINUTES", "15"))
# Per-address throttle of failed logins, whatever the user name: the first N are free, then each further
# attempt waits 1, 2, 4 … seconds (at most the cap) after the last failure, or is refused unprocessed.
DUDAO_LOGIN_ADDRESS_FREE_FAILURES = int(os.environ.get("DUDAO_LOGIN_ADDRESS_FREE_FAILURES", "5"))
DUDAO_LOGIN_ADDRESS_MAX_DELAY = int(os.environ.get("DUDAO_LOGIN_ADDRESS_MAX_DELAY", "300"))
# SEC-2: every request of a superuser is audited (dudao.accounts.break_glass); always on in production.
DUDAO_AUDIT_SUPERUSER_REQUESTS = PRODUCTION or os.environ.get("DUDAO_AUDIT_SUPERUSER_REQUESTS", "1") == "1"
# SEC-3: distinct full ID numbers a reader without the reveal right may look up per rolling hour.
DUDAO_ID_LOOKUP_LIMIT = int(os.environ.get("DUDAO_ID_LOOKUP_LIMIT", "20"))
# Two-factor login (TOTP) for administrator roles; may be switched off outside production only.
DUDAO_REQUIRE_2FA = PRODUCTION or os.environ.get("DUDAO_REQUIRE_2FA", "1") == "1"
# Sessions end after 8 hours whatever happens, and after this many idle minutes.
SESSION_COOKIE_AGE = 8 * 3600
DUDAO_SESSION_IDLE_MINUTES = int(os.environ.get("DUDAO_SESSION_IDLE_MINUTES", "30"))
# API tokens: default lifetime and the per-token request budget (requests per minute).
DUDAO_TOKEN_DEFAULT_DAYS = int(os.environ.get("DUDAO_TOKEN_DEFAULT_DAYS", "90"))
DUDAO_TOKEN_RATE_PER_MINUTE = int(os.environ.get("DUDAO_TOKEN_RATE_PER_MINUTE", "120"))
# Throttle counters live in Django's cache: a database table, shared by every worker and process
# (created by the accounts migrations); no extra service to run.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "dudao_cache"},
    # The hourly allowance of exact-ID lookups (SEC-3) lives outside the database: a refused registration
    # or import rolls its transaction back, and the count must survive that (else refusals are free).
    "id_lookup": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache" / "id-lookup"),
        # One entry per user: never cull counters of active readers (the default keeps 300).
        "OPTIONS": {"MAX_ENTRIES": 1_000_000},
    },
}
# ---------------------------------------------------------------------------------------------------------
# Password of the demo users created by `dudao demo-data` (development only).
DUDAO_DEMO_PASSWORD = os.environ.get("DUDAO_DEMO_PASSWORD", "Dudao#2026")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "dudao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files (issue 8 §5) -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing root until collectstatic has run
# Production: `collectstatic` writes hashed, compressed copies that WhiteNoise serves with far-future
# caching; elsewhere files are served from the apps' static folders as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without DEBUG (make demo, tests) WhiteNoise still finds files in the apps' folders, unless production.
WHITENOISE_USE_FINDERS = not PRODUCTION
# --- end static files ----------------------------------------------------------------------------
MEDIA_ROOT = VAR_DIR / "media"
# ---- Uploads and request size (issue 8 §1: hostile files and requests) ------------------------------
# Evidence and uploads are never served from MEDIA_URL: only through permission-checked views.
# One uploaded file (evidence, attachment, import) at most:
# Excel imports of files above this size run as a background task with a progress page (django-tasks).
DUDAO_IMPORT_BACKGROUND_BYTES = int(os.environ.get("DUDAO_IMPORT_BACKGROUND_BYTES", str(512 * 1024)))
# 考务: minutes after a session starts until which a candidate is still admitted (late); after them the
# room may record the others absent. Local practice (15 for theory exams is usual), not a national rule.
# Public pages without accounts (online registration, the candidate's own lookup): requests per address
# and hour, so that nobody floods the rosters or probes ID numbers.
DUDAO_PUBLIC_REGISTRATIONS_PER_HOUR = int(os.environ.get("DUDAO_PUBLIC_REGISTRATIONS_PER_HOUR", "30"))
DUDAO_PUBLIC_LOOKUPS_PER_HOUR = int(os.environ.get("DUDAO_PUBLIC_LOOKUPS_PER_HOUR", "60"))
DUDAO_EXAM_LATE_ADMISSION_MINUTES = int(os.environ.get("DUDAO_EXAM_LATE_ADMISSION_MINUTES", "15"))
# A candidate's own-registration page stays usable (withdraw, ticket) this long after the look-up.
DUDAO_OWN_REGISTRATION_TOKEN_MINUTES = int(os.environ.get("DUDAO_OWN_REGISTRATION_TOKEN_MINUTES", "30"))
# Check-in opens this many minutes before a session starts (local practice; an interpretation, configurable).
DUDAO_EXAM_CHECKIN_OPENS_MINUTES = int(os.environ.get("DUDAO_EXAM_CHECKIN_OPENS_MINUTES", "60"))
# EXAM-17 (configurable; defaults: the 公示 window 5 working days [interpretation], objections within 10
# working days after publication as in Deyang's rule).
DUDAO_RESULT_PUBLICITY_WORKDAYS = int(os.environ.get("DUDAO_RESULT_PUBLICITY_WORKDAYS", "5"))
DUDAO_RESULT_OBJECTION_WORKDAYS = int(os.environ.get("DUDAO_RESULT_OBJECTION_WORKDAYS", "10"))
# An objection (查分/复核) is handled within this many working days after it is filed (EXAM-17: Shenzhen's
# corrections within 5 working days [interpretation]); `dudao notify-due` reminds before and after.
DUDAO_OBJECTION_HANDLING_WORKDAYS = int(os.environ.get("DUDAO_OBJECTION_HANDLING_WORKDAYS", "5"))
if not all(
    1 <= days <= 60
    for days in (
        DUDAO_RESULT_PUBLICITY_WORKDAYS,
        DUDAO_RESULT_OBJECTION_WORKDAYS,
        DUDAO_OBJECTION_HANDLING_WORKDAYS,
    )
):
    raise ImproperlyConfigured(
        "DUDAO_RESULT_PUBLICITY_WORKDAYS、DUDAO_RESULT_OBJECTION_WORKDAYS 和"
        " DUDAO_OBJECTION_HANDLING_WORKDAYS 应为 1 到 60 之间的工作日数"
    )
# EXAM-10 (三) "经常迟到、早退或无故不到" [interpretation, configurable]: at least TIMES unexcused lateness or
# absences within MONTHS calendar months raise a sanction proposal (dudao.exams.domain.conduct).
DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES = os.environ.get("DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES", "4")
DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS = os.environ.get("DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS", "12")
try:
    from dudao.exams.domain.conduct import often_rule as _often_rule

    _often_rule(DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES, DUDAO_EXAMINER_OFTEN_LATE_ABSENT_MONTHS)
except ValueError as _exc:
    raise ImproperlyConfigured(f"DUDAO_EXAMINER_OFTEN_LATE_ABSENT_TIMES/_MONTHS 配置无效:{_exc}") from None
# EXAM-11 补考 "within the next unified round" [interpretation, configurable]: a retake's exam must fall
# within this many calendar months after the original exam (last day included).
DUDAO_RETAKE_WINDOW_MONTHS = int(os.environ.get("DUDAO_RETAKE_WINDOW_MONTHS", "12"))
if not 1 <= DUDAO_RETAKE_WINDOW_MONTHS <= 60:
    raise ImproperlyConfigured("DUDAO_RETAKE_WINDOW_MONTHS 应为 1 到 60 之间的月数")
# CERT-2: public certificate look-ups per address and hour.
DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR = int(
    os.environ.get("DUDAO_PUBLIC_CERTIFICATE_LOOKUPS_PER_HOUR", "120")
)
# COMPL-2 (configurable; defaults from the public source): a complaint is accepted or declined within
# this many working days of receipt, and handled within that many working days of acceptance.
DUDAO_COMPLAINT_ACCEPT_WORKDAYS = int(os.environ.get("DUDAO_COMPLAINT_ACCEPT_WORKDAYS", "3"))
DUDAO_COMPLAINT_RESULT_WORKDAYS = int(os.environ.get("DUDAO_COMPLAINT_RESULT_WORKDAYS", "7"))
if not all(1 <= days <= 60 for days in (DUDAO_COMPLAINT_ACCEPT_WORKDAYS, DUDAO_COMPLAINT_RESULT_WORKDAYS)):
    raise ImproperlyConfigured(
        "DUDAO_COMPLAINT_ACCEPT_WORKDAYS 和 DUDAO_COMPLAINT_RESULT_WORKDAYS 应为 1 到 60 之间的工作日数"
    )
# QUAL-1: working days after publication during which institutions confirm or ask to correct their figures.
DUDAO_QUALITY_CONFIRM_WORKDAYS = int(os.environ.get("DUDAO_QUALITY_CONFIRM_WORKDAYS", "5"))
if not 1 <= DUDAO_QUALITY_CONFIRM_WORKDAYS <= 60:
    raise ImproperlyConfigured("DUDAO_QUALITY_CONFIRM_WORKDAYS 应为 1 到 60 之间的工作日数")
# Public complaint channel (no accounts): complaints filed and follow-up look-ups per address and hour.
DUDAO_PUBLIC_COMPLAINTS_PER_HOUR = int(os.environ.get("DUDAO_PUBLIC_COMPLAINTS_PER_HOUR", "10"))
DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR = int(os.environ.get("DUDAO_PUBLIC_COMPLAINT_LOOKUPS_PER_HOUR", "60"))
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
# The resident LibreOffice (`dudao pdf-server`, docs/adr/0005-resident-libreoffice.md): "host:port" it
# listens on ("" = off: one LibreOffice per PDF), and the Python that has Debian's `uno` (python3-uno).
DUDAO_PDF_SERVER = os.environ.get("DUDAO_PDF_SERVER", "127.0.0.1:2003")
DUDAO_UNO_PYTHON = os.environ.get("DUDAO_UNO_PYTHON", "/usr/bin/python3")

# Certificates (docs/certificates.md). EXAM-12: the first letter of a number is the institution kind, Y
# employer / S social organisation; technical schools' letter is not documented, so the letters are a
# setting ("Y,S,J" adds J), checked when a command or service reads them.
DUDAO_CERT_KINDS = os.environ.get("DUDAO_CERT_KINDS", "Y,S")
# The QR seal's Ed25519 private key: PEM text or the absolute path of a PEM file, read when a certificate
# is sealed (dudao.exams.domain.certificate_seal.signing_key_from_setting; required in production then).
DUDAO_CERT_SIGNING_KEY = os.environ.get("DUDAO_CERT_SIGNING_KEY", "")
# National upload of certificate information (CERT-3, docs/certificates.md): the export's format (xlsx, csv or
# json) and the cadence days of the month (the 10th and 25th in the older national rule), checked here.
DUDAO_CERTIFICATE_UPLOAD_FORMAT = os.environ.get("DUDAO_CERTIFICATE_UPLOAD_FORMAT", "xlsx")
DUDAO_CERTIFICATE_UPLOAD_DAYS = os.environ.get("DUDAO_CERTIFICATE_UPLOAD_DAYS", "10,25")
try:
    DUDAO_CERTIFICATE_UPLOAD_FORMAT = _upload_rules.parse_format(DUDAO_CERTIFICATE_UPLOAD_FORMAT)
    _upload_rules.parse_days(DUDAO_CERTIFICATE_UPLOAD_DAYS)
except _upload_rules.UploadSettingError as exc:
    raise ImproperlyConfigured(str(exc)) from None

# Archives (docs/archives.md). ARCH-2: retention per record kind, JSON over the defaults, e.g.
# {"seat_plans": 3, "results": {"years": 2, "from": "certificates"}, "video_index": "permanent"}.
try:
    DUDAO_ARCHIVE_RETENTION = parse_retention(os.environ.get("DUDAO_ARCHIVE_RETENTION", ""))
except RetentionSettingError as exc:
    raise ImproperlyConfigured(str(exc)) from None

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- security headers (issue 8 §5): CSP and Permissions-Policy (dudao.web.middleware) -------------
# No inline script anywhere: every page script is a static file; styles keep 'unsafe-inline' for the
# style="" attributes of Tabler markup and for the styles Bootstrap/htmx set.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)
# --- end security headers -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
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
    # HSTS preload lists are for public internet domains; an intranet deployer opts in explicitly, and
    # `check --deploy` stays clean either way (issue 8 §5).
    SECURE_HSTS_PRELOAD = os.environ.get("DUDAO_HSTS_PRELOAD", "0") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 is logged as one line (path and reason), not a traceback: dudao.web.logging.OneLineForbidden.
    "filters": {"one_line_403": {"()": "dudao.web.logging.OneLineForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["one_line_403"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUDAO_LOG_LEVEL", "WARNING")},
}
