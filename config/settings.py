"""Aftercare settings: one module, every deploy-time value read from the environment.

With no environment at all this is a development setup (SQLite file, DEBUG on, console email).
With DEBUG off it refuses to start unless SECRET_KEY and ALLOWED_HOSTS are given.
Files the app writes (the SQLite database, collected static files) go under LOCAL_DIR, never
next to the code, which may be an installed, read-only package.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """A string variable; surrounding white space is dropped."""
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a clear yes/no is a configuration error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole-number variable, optionally with a lower bound."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    """A comma-separated list; empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


# Where writable files live by default: $LOCAL_DIR, else the working directory (the repository
# root for the README's commands).
LOCAL_DIR = Path(env_str("LOCAL_DIR") or Path.cwd()).resolve()

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105
elif len(SECRET_KEY) < 50 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
if not DEBUG and not os.environ.get("ALLOWED_HOSTS", "").strip():
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "journal",
    "journal.security",
]
# Benchmark, data generator and load test (`tools/`): development only, never in production.
DEV_TOOLS = env_bool("AFTERCARE_DEV_TOOLS", False)
if DEV_TOOLS:
    INSTALLED_APPS += ["tools"]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "journal.http.UserAgentMiddleware",
    # Frame and CSP headers first, so every response carries them, including early answers below.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "journal.security.middleware.RefuseTraceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language) until someone signs in; then theirs, below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A locked or unreachable database gets the 503 "not saved" page.
    "journal.db_unavailable.DatabaseUnavailableMiddleware",
    # Django's LoginRequiredMiddleware, keeping what was typed into a form sent logged out.
    "journal.security.middleware.LoginRequiredMiddleware",
    "journal.middleware.UserTimeZoneMiddleware",
    "journal.middleware.UserLanguageMiddleware",
    # Audit: a signed-in person's 403/404 answers (rate-limited), after auth and the OTP check.
    "journal.security.denials.DeniedAccessAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session limits, the MFA gate, no-store and lockouts.
    "journal.security.middleware.SessionLimitsMiddleware",
    "journal.security.middleware.MFARequiredMiddleware",
    "journal.security.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The app's templates override contrib's (registration/, admin/base_site.html), so
        # they are searched before the app directories; they ship inside the package.
        "DIRS": [BASE_DIR / "journal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "journal.context_processors.clinic",
                "journal.context_processors.navigation",
                "journal.context_processors.notifications",
            ],
            # `{% url %}` with literal arguments is reversed once per process.
            "builtins": ["journal.templatetags.fast_url"],
        },
    },
]
# Every form and field renders through journal/templates/journal/forms/ (one look, one markup).
FORM_RENDERER = "journal.forms.rendering.FormRenderer"

# --- Storage -------------------------------------------------------------------------------
# Everything this process creates (the SQLite file and its -wal/-shm, backups, logs) is readable
# by its own account only. A web server under another account serving STATIC_ROOT needs
# `collectstatic` run with a wider umask (README: Production).
os.umask(0o077)
# SQLite by default (WAL, synchronous=FULL, immediate transactions so writers queue on the busy
# timeout instead of failing mid-transaction); PostgreSQL when DATABASE_URL is set.
SQLITE_PATH = env_str("SQLITE_PATH", str(LOCAL_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{SQLITE_PATH}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Persistent connections too (DB_CONN_MAX_AGE): a connection opened per request starts with
    # an empty page cache and re-runs the PRAGMAs. Connections are per thread, idle between
    # requests (autocommit: no open read transaction holds back WAL checkpoints).
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
    }
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # A request waiting on a lock or a runaway statement gives up well inside gunicorn's
    # 60-second worker timeout, so the person gets the "not saved" page (503, Retry-After)
    # instead of the server's bare 500. 0 turns a limit off (long maintenance commands).
    _lock_ms = env_int("DB_LOCK_TIMEOUT_SECONDS", 10, minimum=0) * 1000
    _statement_ms = env_int("DB_STATEMENT_TIMEOUT_SECONDS", 30, minimum=0) * 1000
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c lock_timeout={_lock_ms} -c statement_timeout={_statement_ms}"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_cache_url = env_str("REDIS_URL") or env_str("CACHE_URL")
if _cache_url:
    CACHES = {
        "default": {
            # Django's RedisCache, failing soft while Redis is unreachable (journal/cache.py).
            "BACKEND": "journal.cache.ResilientRedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "aftercare",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background jobs -------------------------------------------------------------------------
# Celery with Redis as the broker when REDIS_URL is set (workers on any machine, one beat);
# without it, `manage.py run_jobs` runs the same job functions in one process.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("REDIS_URL")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# How long a worker's claim on due notifications lasts; a worker killed mid-send releases its
# rows for one retry after this long.
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 300, minimum=5)
CELERY_BEAT_SCHEDULE = {
    "dispatch-every-minute": {"task": "aftercare.dispatch", "schedule": 60.0},
    "plan-reminders": {"task": "aftercare.plan_reminders", "schedule": 15 * 60.0},
}

# Web Push (VAPID): the application server's private key, base64url of the raw 32-byte P-256
# key (`manage.py vapid_key` makes one). Empty: push is not offered.
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT", "mailto:no-reply@localhost")

# --- Accounts ------------------------------------------------------------------------------
AUTH_USER_MODEL = "journal.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "journal:home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "display_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "journal.security.passwords.ContextWordValidator"},
    {"NAME": "journal.security.passwords.BreachedPasswordValidator"},
]
# Key of the audit and access logs' hash chain (`manage.py verify_audit`). Derived from
# SECRET_KEY when unset; set it explicitly in production so rotating SECRET_KEY keeps old rows
# verifiable, and keep it away from the database's backups.
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY", "")
# Breached-password lookups stay offline (the bundled list) unless a Pwned Passwords range API
# is configured, e.g. https://api.pwnedpasswords.com/range/ (only a 5-character hash prefix leaves).
PWNED_PASSWORDS_RANGE_URL = env_str("PWNED_PASSWORDS_RANGE_URL", "")
if PWNED_PASSWORDS_RANGE_URL and not PWNED_PASSWORDS_RANGE_URL.startswith("https://"):
    raise ImproperlyConfigured("PWNED_PASSWORDS_RANGE_URL must be an https:// URL")
# Password-reset links are short-lived (seconds).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 60 * 60, minimum=300)
ENROLLMENT_LINK_HOURS = env_int("ENROLLMENT_LINK_HOURS", 72, minimum=1)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=300)

# --- Security: MFA, lockouts, re-authentication, proxies, CSP -------------------------------
# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0 (the
# default) means the header is ignored and REMOTE_ADDR is the client address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Sensitive actions (email/password/MFA changes, full export, account deletion) need a
# password (and code, with MFA) entered within this many minutes.
REAUTH_MINUTES = env_int("REAUTH_MINUTES", 10, minimum=1)
# Patients may keep a session open while idle for up to this long (minutes).
PATIENT_MAX_IDLE_MINUTES = env_int("PATIENT_MAX_IDLE_MINUTES", 8 * 60, minimum=5)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 20, minimum=3)
# Account name and client address are counted separately; either one locks.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
# The lock ends a fixed time after it started, even if the attacker keeps trying.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "journal.security.lockout.normalised_username"
AXES_CLIENT_IP_CALLABLE = "journal.http.client_ip"
# A locked-out login gets the ordinary login page with the one generic message.
AXES_LOCKOUT_CALLABLE = "journal.security.lockout.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Aftercare")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Clinic --------------------------------------------------------------------------------
# Defaults for the clinic settings row; the clinic admin edits the live values.
CLINIC_NAME = env_str("CLINIC_NAME", "Aftercare demo clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "")
CLINIC_AFTER_HOURS_PHONE = env_str("CLINIC_AFTER_HOURS_PHONE", "")
EMERGENCY_NUMBER = env_str("EMERGENCY_NUMBER", "911")
CRISIS_NUMBER = env_str("CRISIS_NUMBER", "988")

# --- Internationalisation ------------------------------------------------------------------
# English and Spanish. A signed-in person reads the app in their own `User.language`
# (`journal.middleware.UserLanguageMiddleware`); the log-in and enrollment pages follow the
# browser's Accept-Language (`LocaleMiddleware`). Dates and numbers are formatted per language.
# The catalogues live in journal/locale/ (`.po` in git, compiled to `.mo` by
# `manage.py compile_translations`, which .ci/install and the README's commands run).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "journal" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or LOCAL_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}


# --- Email ---------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aftercare <no-reply@localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Transport security (production) -------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # `__Host-` cookies: browsers accept them only with Secure, Path=/ and no Domain, so a
    # sibling subdomain or a plain-HTTP page cannot set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if env_bool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # axes logs every log-in with its request path at INFO; keep only its warnings.
        "axes": {"level": "WARNING"},
    },
}
