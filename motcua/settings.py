"""Settings for motcua, all from environment variables.

The defaults are the embedded mode (SQLite, sandbox adapters) and are safe: DEBUG is off unless
MOTCUA_DEBUG=1, and without a secret key only the development server starts.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
#: Data shipped with the project (catalog, administrative units, calendar); see data/README.md.
DATA_DIR = Path(os.environ.get("MOTCUA_DATA_DIR", BASE_DIR / "data"))
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("MOTCUA_DEBUG")
#: The embedded default of `make run`: SQLite, sandboxes, demo accounts, served on loopback.
EMBEDDED = env_bool("MOTCUA_EMBEDDED")
TESTING = "pytest" in sys.modules or os.environ.get("MOTCUA_TESTING") == "1"
SECRET_KEY = os.environ.get("MOTCUA_SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING or EMBEDDED):
        raise RuntimeError("MOTCUA_SECRET_KEY must be set (or MOTCUA_DEBUG=1 for development).")
    SECRET_KEY = "insecure-embedded-only-key"  # noqa: S105 — only for debug, tests and `make run`

ALLOWED_HOSTS = env_list("MOTCUA_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("MOTCUA_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # floor 1
    "motcua.core",
    "motcua.audit",
    "motcua.exchange",
    # floor 2
    "motcua.places",
    "motcua.people",
    "motcua.eid",
    # floor 3
    "motcua.catalog",
    "motcua.registries",
    "motcua.eforms",
    # floor 4
    "motcua.dossiers",
    "motcua.payments",
    "motcua.feedback",
    # floor 5
    "motcua.sync",
    # floor 6
    "motcua.portal",
    "motcua.backoffice",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "motcua" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "motcua.portal.context_processors.site",
            ],
        },
    },
]

# Database: DATABASE_URL wins; else libpq's PG* variables when PGDATABASE is set; else SQLite.
_sqlite_path = VAR_DIR / "motcua.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
elif os.environ.get("PGDATABASE"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["PGDATABASE"],
            "HOST": os.environ.get("PGHOST", "127.0.0.1"),
            "PORT": os.environ.get("PGPORT", "5432"),
            "USER": os.environ.get("PGUSER", "postgres"),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": _sqlite_path}}

_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions: writers queue instead of failing with "database is locked".
    _db.setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    _db.setdefault("TEST", {})["NAME"] = os.environ.get("MOTCUA_TEST_SQLITE") or None
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("TEST", {})["NAME"] = os.environ.get("MOTCUA_TEST_DB_NAME") or None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first: source strings are Vietnamese, English is the translation.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "motcua" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING or EMBEDDED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING or EMBEDDED

# Security by default; MOTCUA_INSECURE_HTTP=1 only for the embedded server on loopback.
_https = not (DEBUG or TESTING or env_bool("MOTCUA_INSECURE_HTTP"))
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env_bool("MOTCUA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# E-mail: SMTP from the environment in production; in the embedded and development modes the
# messages are written to var/mail/ so an operator can read what an applicant would receive.
if DEBUG or EMBEDDED:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
else:
    EMAIL_HOST = os.environ.get("MOTCUA_EMAIL_HOST", "localhost")
    EMAIL_PORT = int(os.environ.get("MOTCUA_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_EMAIL_FROM", "motcua@localhost")

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "WARNING")},
    # pyHanko logs a traceback for every untrusted certificate; verify_pdf reports it in words.
    "loggers": {"pyhanko": {"level": "ERROR"}},
}

# ---------------------------------------------------------------------------------------------
# motcua domain settings. Values marked [inferred] come from research/vn-regulation-spec.md
# where the law is not explicit; a province changes them here, not in code.
# ---------------------------------------------------------------------------------------------

#: The deployment's province: NSO code of the 2025 province (demo: 14 = Tỉnh Sơn La).
MOTCUA_PROVINCE_CODE = os.environ.get("MOTCUA_PROVINCE_CODE", "14")
#: The province part (M X1 X2) of electronic agency codes under QĐ 20/2020/QĐ-TTg. [inferred]
MOTCUA_PROVINCE_AGENCY_CODE = os.environ.get("MOTCUA_PROVINCE_AGENCY_CODE", "H52")
#: Two digits that identify the system owner in the centralised dossier-code format (TT 04/2025). [inferred]
MOTCUA_SYSTEM_OWNER_CODE = os.environ.get("MOTCUA_SYSTEM_OWNER_CODE", "01")

#: Office hours (giờ hành chính) as (start, end) pairs; 8 working hours a day. [inferred]
MOTCUA_OFFICE_HOURS = [
    tuple(pair.split("-")) for pair in env_list("MOTCUA_OFFICE_HOURS", "07:30-11:30,13:00-17:00")
]
#: Reception cut-off: a dossier received later starts counting on the next working day (NĐ 63/2024 Art 7).
MOTCUA_RECEPTION_CUTOFF = os.environ.get("MOTCUA_RECEPTION_CUTOFF", "15:00")
#: "civil_code": day 1 is the working day after receipt (BLDS 2015 Art 147).
#: "reception_day": the day of receipt before the cut-off is day 1 (common provincial practice). [inferred]
MOTCUA_DAY_COUNTING = os.environ.get("MOTCUA_DAY_COUNTING", "civil_code")
#: Which provincial catalogue gives the online level (toàn trình / một phần), in order of trust.
MOTCUA_ONLINE_LEVEL_SOURCES = env_list("MOTCUA_ONLINE_LEVEL_SOURCES", "lang-son-2025-04,lam-dong-2025-03")
#: How often a process re-reads the calendar table to see other processes' edits (seconds).
MOTCUA_CALENDAR_RECHECK_SECONDS = int(os.environ.get("MOTCUA_CALENDAR_RECHECK_SECONDS", "60"))

# ---------------------------------------------------------------------------------------------
# Documents and digital signatures (motcua/core/pdf.py, motcua/core/signing.py; ADR 0006).
# The sandbox CA lives in VAR_DIR / "pki" (keys 0600); `motcua signing init` creates it.
# ---------------------------------------------------------------------------------------------

#: The signature adapter: "sandbox" (local CA, default) or "remote" (HSM / remote signing; not implemented).
MOTCUA_SIGNER = os.environ.get("MOTCUA_SIGNER", "sandbox")
#: PEM files of the certification authorities whose signatures verify as trusted (comma-separated).
MOTCUA_TRUSTED_CA_FILES = env_list("MOTCUA_TRUSTED_CA_FILES")
#: Trust the sandbox CA when verifying. Turn off in production so sandbox signatures never pass.
MOTCUA_TRUST_SANDBOX_CA = env_bool("MOTCUA_TRUST_SANDBOX_CA", True)
#: The province in the sandbox CA's name ("motcua Sandbox CA – <province>").
MOTCUA_SANDBOX_CA_PROVINCE = os.environ.get("MOTCUA_SANDBOX_CA_PROVINCE") or (
    "Tỉnh Sơn La" if MOTCUA_PROVINCE_CODE == "14" else f"tỉnh mã {MOTCUA_PROVINCE_CODE}"
)

# ---------------------------------------------------------------------------------------------
# Official papers, signed results and the public lookup (motcua/dossiers/papers.py, results.py,
# motcua/portal/tracking.py; ADR 0009).
# ---------------------------------------------------------------------------------------------

#: The public site's address, printed in the QR codes (…/tra-cuu/<code>/, …/xac-thuc/<code>/).
MOTCUA_PUBLIC_BASE_URL = os.environ.get("MOTCUA_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
#: Public dossier lookups per IP address: (attempts, window in seconds).
MOTCUA_LOOKUP_RATE = (int(os.environ.get("MOTCUA_LOOKUP_LIMIT", "20")), 600)
#: Public result checks (uploads and /xac-thuc/<code>/) per IP address: (attempts, window in seconds).
MOTCUA_VERIFY_RATE = (int(os.environ.get("MOTCUA_VERIFY_LIMIT", "30")), 600)

# --- floor 5: national-portal sync (motcua.sync) ------------------------------------------------
#: The national portal adapter for `motcua sync pull`: "sandbox" (shipped, deterministic records from
#: the catalogue; see motcua/sync/portal.py) or the dotted path of a real adapter class.
MOTCUA_NATIONAL_PORTAL = os.environ.get("MOTCUA_NATIONAL_PORTAL", "sandbox")
