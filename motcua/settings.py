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
    # floor 4
    "motcua.dossiers",
    "motcua.payments",
    "motcua.feedback",
    # floor 5
    "motcua.eforms",
    "motcua.foryou",
    "motcua.insights",
    "motcua.guide",
    "motcua.sync",
    "motcua.privacy",
    # floor 6
    "motcua.portal",
    "motcua.backoffice",
    "motcua.api",
    # floor 7: demo tooling, above everything it populates
    "motcua.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: every later log line carries the request id; the latency covers the whole stack.
    "motcua.core.requestid.RequestIdMiddleware",
    "motcua.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before any view or database: NUL bytes and oversized API bodies get a clear 400 / 413.
    "motcua.core.middleware.RequestHygieneMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication: idle and absolute limits of officer sessions on every surface.
    "motcua.backoffice.middleware.OfficerSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]
# axes first: it refuses a locked-out officer before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "motcua.eid.client.EidBackend",
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
    # Persistent connections: a new PostgreSQL connection per request (a backend process forked,
    # authenticated) cost more than a whole cheap request. Checked before reuse (ADR 0042).
    # Tests keep Django's default (closed after each request): the test database is dropped at the end.
    _db["CONN_MAX_AGE"] = int(os.environ.get("MOTCUA_DB_CONN_MAX_AGE", "0" if TESTING else "60"))
    _db["CONN_HEALTH_CHECKS"] = True

# Read replica (ADR 0042): read-only traffic (dashboards, reports, open data, exports) reads from
# DATABASE_REPLICA_URL inside `core.dbrouter.use_replica()`; everything else stays on "default".
# Tests get a "replica" alias mirroring the test database (Django's TEST MIRROR), routed to only
# when a test turns MOTCUA_READ_REPLICA on.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"].update({k: _db[k] for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS") if k in _db})
    DATABASES["replica"].setdefault("TEST", {})["MIRROR"] = "default"
elif TESTING:
    DATABASES["replica"] = {**_db, "OPTIONS": dict(_db.get("OPTIONS", {})), "TEST": {"MIRROR": "default"}}
MOTCUA_READ_REPLICA = bool(os.environ.get("DATABASE_REPLICA_URL"))
DATABASE_ROUTERS = ["motcua.core.dbrouter.ReplicaRouter"]
# The exchange message log on its own connection (issue 19 item 6, ADR 0043): on PostgreSQL a row
# written by an outside call made inside a transaction is committed on "log" (the same database, a
# second connection in autocommit) and survives that transaction's rollback. SQLite has one writer
# at a time: the log stays on "default" there. Tests keep it on "default" unless they ask for "log".
if _db["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["log"] = {**_db, "OPTIONS": dict(_db.get("OPTIONS", {})), "TEST": {"MIRROR": "default"}}
MOTCUA_EXCHANGE_LOG_DATABASE = os.environ.get(
    "MOTCUA_EXCHANGE_LOG_DATABASE", "log" if "log" in DATABASES and not TESTING else "default"
)


def cache_config(url: str, testing: bool) -> dict:
    """The default cache, shared by every process (rate-limit counters, sandbox sign-in tries).

    MOTCUA_CACHE_URL: redis://… or rediss://… (production, needs the `redis` package), file:///dir;
    unset: the database cache (table motcua_cache, made by `createcachetable`, which `make data` and
    Django's test database creation run), so the embedded mode's processes share their counters.
    Tests use per-process memory (each test starts empty, no database needed)."""
    if url.startswith(("redis://", "rediss://")):
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    if url.startswith("file://"):
        backend = "django.core.cache.backends.filebased.FileBasedCache"
        return {"default": {"BACKEND": backend, "LOCATION": url.removeprefix("file://")}}
    if testing and not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Culling at Django's default 300 entries would drop rate-limit counters under load.
    db = "django.core.cache.backends.db.DatabaseCache"
    return {"default": {"BACKEND": db, "LOCATION": "motcua_cache", "OPTIONS": {"MAX_ENTRIES": 100_000}}}


CACHES = cache_config(os.environ.get("MOTCUA_CACHE_URL", ""), TESTING)

# Background work (ADR 0041): the Django Tasks API on its database backend, SQLite embedded and
# PostgreSQL (SKIP LOCKED) in production, run by `motcua worker` (scheduler + db_worker loop).
# Tests run tasks at once after the commit (ImmediateBackend); the queue's own tests use the database.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if TESTING and not env_bool("MOTCUA_TASKS_DATABASE")
        else "django_tasks_db.DatabaseBackend"
    }
}
#: A task still RUNNING this long after its own timeout lost its worker (kill -9): it runs again.
MOTCUA_TASKS_STALE_GRACE_SECONDS = int(os.environ.get("MOTCUA_TASKS_STALE_GRACE_SECONDS", "60"))
#: Finished task results kept this many days (failed ones, the dead letters, are kept until replayed).
MOTCUA_TASKS_KEEP_DAYS = int(os.environ.get("MOTCUA_TASKS_KEEP_DAYS", "2"))

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
    # `aaaaaaaaaaaa` passes the rules above; a strength estimate (zxcvbn) does not let it through.
    {"NAME": "motcua.people.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
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


def storage_config(env) -> dict:
    """Where uploaded papers, results and receipts are kept: the one place that chooses it.

    MOTCUA_STORAGE=local (default): MEDIA_ROOT. MOTCUA_STORAGE=s3: an S3-compatible bucket through
    django-storages (MinIO, Ceph, a provincial data centre's object store): MOTCUA_S3_BUCKET,
    MOTCUA_S3_ENDPOINT_URL, MOTCUA_S3_REGION, MOTCUA_S3_ACCESS_KEY_ID, MOTCUA_S3_SECRET_ACCESS_KEY,
    MOTCUA_S3_PREFIX, MOTCUA_S3_ADDRESSING_STYLE (path|virtual), MOTCUA_S3_VERIFY (1, 0 or a CA file).
    Files stay private: no public ACL, links (if any) signed and short-lived; the site streams them."""
    kind = env.get("MOTCUA_STORAGE", "local")
    if kind == "local":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise RuntimeError("MOTCUA_STORAGE must be 'local' or 's3'.")
    if not env.get("MOTCUA_S3_BUCKET"):
        raise RuntimeError("MOTCUA_STORAGE=s3 needs MOTCUA_S3_BUCKET.")
    verify = env.get("MOTCUA_S3_VERIFY", "1")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env["MOTCUA_S3_BUCKET"],
            "endpoint_url": env.get("MOTCUA_S3_ENDPOINT_URL") or None,
            "region_name": env.get("MOTCUA_S3_REGION") or None,
            "access_key": env.get("MOTCUA_S3_ACCESS_KEY_ID") or None,
            "secret_key": env.get("MOTCUA_S3_SECRET_ACCESS_KEY") or None,
            "location": env.get("MOTCUA_S3_PREFIX", ""),
            "addressing_style": env.get("MOTCUA_S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "verify": {"1": None, "0": False}.get(verify, verify),
        },
    }


STORAGES = {
    "default": storage_config(os.environ),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING or EMBEDDED
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING or EMBEDDED

# Encryption at rest (ADR 0040, motcua/core/crypto.py): Fernet data keys (the first encrypts, all
# decrypt; `motcua keys rotate`) and the blind-index key, from the environment or from key files in
# MOTCUA_KEYS_DIR (0600; created only in the embedded mode, debug and tests). Never in the database.
MOTCUA_ENCRYPT_AT_REST = env_bool("MOTCUA_ENCRYPT_AT_REST", True)
MOTCUA_DATA_KEYS = env_list("MOTCUA_DATA_KEYS")
MOTCUA_BLIND_INDEX_KEY = os.environ.get("MOTCUA_BLIND_INDEX_KEY", "")
MOTCUA_KEYS_DIR = Path(os.environ.get("MOTCUA_KEYS_DIR") or VAR_DIR / "keys")
#: Encrypts the sandbox CA's and officers' private keys on disk (else MOTCUA_KEYS_DIR/signing.pass).
MOTCUA_SIGNING_KEY_PASSPHRASE = os.environ.get("MOTCUA_SIGNING_KEY_PASSPHRASE", "")
# Stored files are encrypted around whichever storage holds them (local folder or S3).
STORAGES["default"] = {
    "BACKEND": "motcua.core.encrypted_storage.EncryptedStorage",
    "OPTIONS": {"backend": STORAGES["default"]["BACKEND"], "options": STORAGES["default"].get("OPTIONS", {})},
}

# Security by default; MOTCUA_INSECURE_HTTP=1 only for the embedded server on loopback.
_https = not (DEBUG or TESTING or env_bool("MOTCUA_INSECURE_HTTP"))
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env_bool("MOTCUA_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
#: Probes on loopback (systemd, monitoring) ask over plain HTTP: answered, not redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
#: The reverse proxy in front (nginx, see README "Production"): the header it sets with the client's
#: address, e.g. X-Forwarded-For (nginx: proxy_add_x_forwarded_for) or X-Real-IP; empty: no proxy,
#: REMOTE_ADDR is the client. Rate limits and the officers' lockout count per this address.
MOTCUA_PROXY_CLIENT_HEADER = os.environ.get("MOTCUA_PROXY_CLIENT_HEADER", "")
#: How many proxies append to that header: the client is that many entries from the right
#: (entries further left are whatever the client sent, never trusted).
MOTCUA_PROXY_COUNT = int(os.environ.get("MOTCUA_PROXY_COUNT", "1"))
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

# Operations (ADR 0042): /readyz limits (0 turns one off) and who may read /metrics.
#: Not ready when no periodic job started for this long (the worker is down).
MOTCUA_READY_WORKER_MAX_AGE_SECONDS = int(os.environ.get("MOTCUA_READY_WORKER_MAX_AGE_SECONDS", "600"))
#: Not ready when a queue's oldest waiting row (outbox, webhooks, tasks) is older than this.
MOTCUA_READY_QUEUE_MAX_AGE_SECONDS = int(os.environ.get("MOTCUA_READY_QUEUE_MAX_AGE_SECONDS", "3600"))
#: /metrics: a bearer token, and/or client addresses or networks (comma-separated); neither: 404.
MOTCUA_METRICS_TOKEN = os.environ.get("MOTCUA_METRICS_TOKEN", "")
MOTCUA_METRICS_ALLOWED_IPS = env_list("MOTCUA_METRICS_ALLOWED_IPS")

#: "text" (default in the embedded mode, debug and tests) or "json" (default in production: one JSON
#: object a line for journald / a log shipper). Every record carries the request id (core.requestid).
MOTCUA_LOG_FORMAT = os.environ.get("MOTCUA_LOG_FORMAT", "text" if DEBUG or TESTING or EMBEDDED else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "motcua.core.requestid.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if MOTCUA_LOG_FORMAT == "json" else "text",
        }
    },
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
#: Transfer cut-off: a paper dossier received later goes to the handling department at the opening
#: of the next working day, else the same working day (NĐ 61/2018 Art 18).
MOTCUA_TRANSFER_CUTOFF = os.environ.get("MOTCUA_TRANSFER_CUTOFF", "15:00")
#: "civil_code": day 1 is the working day after receipt (BLDS 2015 Art 147).
#: "reception_day": the day of receipt before the cut-off is day 1 (common provincial practice). [inferred]
MOTCUA_DAY_COUNTING = os.environ.get("MOTCUA_DAY_COUNTING", "civil_code")
#: How a bare number in a national record's processing time ("1", "3") is read (ADR 0029):
#: "confirmed_by_text": as N <unit> only when the record's own text states a limit of N <unit>;
#: "off": never (the procedure then needs a row in the legal-time table).
MOTCUA_BARE_NUMBER_RULE = os.environ.get("MOTCUA_BARE_NUMBER_RULE", "confirmed_by_text")
#: Which provincial catalogue gives the online level (toàn trình / một phần), in order of trust.
MOTCUA_ONLINE_LEVEL_SOURCES = env_list("MOTCUA_ONLINE_LEVEL_SOURCES", "lang-son-2025-04,lam-dong-2025-03")
#: The deployment province's published procedure list(s) (danh mục TTHC của tỉnh, data/catalog):
#: every procedure in it is in the catalog, in full or marked "being completed". Default: the
#: shipped list of MOTCUA_PROVINCE_CODE (20 Lạng Sơn, 68 Lâm Đồng); a province without a shipped
#: list (the demo's Sơn La) uses Lạng Sơn's as a stand-in. "none" turns it off.
MOTCUA_PROVINCE_LISTS = env_list(
    "MOTCUA_PROVINCE_LISTS", {"68": "lam-dong-2025-03"}.get(MOTCUA_PROVINCE_CODE, "lang-son-2025-04")
)
#: The national portal's page of a procedure, by its code. [inferred: the portal's detail-page address]
MOTCUA_NATIONAL_PROCEDURE_URL = os.environ.get(
    "MOTCUA_NATIONAL_PROCEDURE_URL",
    "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc={code}",
)
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

# --- eid: national eID sign-in (OpenID Connect), its sandbox provider, officers' TOTP -----------
#: "sandbox" (the provider served by motcua under /eid-sandbox/ over the synthetic population) or "vneid".
MOTCUA_EID = os.environ.get("MOTCUA_EID", "sandbox")
if MOTCUA_EID not in {"sandbox", "vneid"}:
    raise RuntimeError("MOTCUA_EID must be 'sandbox' or 'vneid'.")
MOTCUA_EID_SANDBOX = MOTCUA_EID == "sandbox"
#: The sandbox's passcode, typed with a synthetic personal ID number (printed by `motcua demo_accounts`).
MOTCUA_EID_SANDBOX_PASSCODE = os.environ.get("MOTCUA_EID_SANDBOX_PASSCODE", "123456")
#: Base URL of the sandbox provider; empty: the origin of the current request (host checked by ALLOWED_HOSTS).
MOTCUA_EID_SANDBOX_BASE_URL = os.environ.get("MOTCUA_EID_SANDBOX_BASE_URL", "").rstrip("/")
#: Sandbox authorization codes and access tokens live this many seconds. [inferred]
MOTCUA_EID_CODE_SECONDS = int(os.environ.get("MOTCUA_EID_CODE_SECONDS", "60"))
MOTCUA_EID_TOKEN_SECONDS = int(os.environ.get("MOTCUA_EID_TOKEN_SECONDS", "300"))
#: Passcode attempts on the sandbox's sign-in page per IP address: (attempts, window in seconds).
MOTCUA_EID_SANDBOX_RATE = (int(os.environ.get("MOTCUA_EID_SANDBOX_LIMIT", "20")), 600)
#: Allowed clock skew when checking ID tokens (seconds).
MOTCUA_EID_LEEWAY_SECONDS = int(os.environ.get("MOTCUA_EID_LEEWAY_SECONDS", "30"))

OIDC_RP_CLIENT_ID = os.environ.get("MOTCUA_EID_CLIENT_ID", "motcua-sandbox" if MOTCUA_EID_SANDBOX else "")
OIDC_RP_CLIENT_SECRET = os.environ.get("MOTCUA_EID_CLIENT_SECRET", "")
if not OIDC_RP_CLIENT_SECRET:
    if not MOTCUA_EID_SANDBOX and not (DEBUG or TESTING):
        raise RuntimeError("MOTCUA_EID_CLIENT_SECRET must be set when MOTCUA_EID=vneid.")
    # The sandbox's own client: derived from SECRET_KEY so each installation has its own.
    import hashlib as _hashlib

    OIDC_RP_CLIENT_SECRET = _hashlib.sha256(f"eid-sandbox:{SECRET_KEY}".encode()).hexdigest()
#: The real provider's endpoints (ignored in sandbox mode, where they are derived per request).
OIDC_OP_ISSUER = os.environ.get("MOTCUA_EID_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("MOTCUA_EID_AUTHORIZATION_ENDPOINT", "sandbox")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("MOTCUA_EID_TOKEN_ENDPOINT", "sandbox")
OIDC_OP_USER_ENDPOINT = os.environ.get("MOTCUA_EID_USERINFO_ENDPOINT", "sandbox")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("MOTCUA_EID_JWKS_ENDPOINT", "sandbox")
_eid_endpoints = (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_TOKEN_ENDPOINT, OIDC_OP_USER_ENDPOINT)
if not MOTCUA_EID_SANDBOX and ("sandbox" in {*_eid_endpoints, OIDC_OP_JWKS_ENDPOINT} or not OIDC_OP_ISSUER):
    raise RuntimeError("MOTCUA_EID=vneid needs MOTCUA_EID_ISSUER and the four MOTCUA_EID_*_ENDPOINT.")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = os.environ.get("MOTCUA_EID_SCOPES", "openid profile email phone address")
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_TIMEOUT = int(os.environ.get("MOTCUA_EID_TIMEOUT_SECONDS", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "eid:callback"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Officers: password, then a TOTP code (django-otp); lockout after repeated failures (django-axes).
OTP_TOTP_ISSUER = os.environ.get("MOTCUA_OTP_ISSUER", "motcua")
#: Failed sign-ins (password or code) before an officer account is locked (level-3 ATTT: at most 5).
AXES_FAILURE_LIMIT = int(os.environ.get("MOTCUA_LOCKOUT_FAILURES", "5"))
#: Lock duration in hours (level-3 ATTT: 12 hours to 30 days, or until an administrator unlocks).
AXES_COOLOFF_TIME = float(os.environ.get("MOTCUA_LOCKOUT_HOURS", "12"))
# Locked per account AND source address: five tries from elsewhere cannot lock an officer out (a
# targeted denial of service); a whole one-stop office shares one address, so one mistyping
# colleague locks only their own account there. ADR 0012, amended by ADR 0037.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
#: The same client address as the rate limits (behind the documented reverse proxy, see below).
AXES_CLIENT_IP_CALLABLE = "motcua.core.ratelimit.axes_client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "backoffice/locked.html"
AXES_VERBOSE = False
#: An officer waits at most this long between the password and the code (seconds).
MOTCUA_OFFICER_SIGN_IN_SECONDS = int(os.environ.get("MOTCUA_OFFICER_SIGN_IN_SECONDS", "300"))
#: An officer's session idle longer than this asks for the password and code again (level 3: ≤ 15 min).
MOTCUA_OFFICER_IDLE_MINUTES = int(os.environ.get("MOTCUA_OFFICER_IDLE_MINUTES", "15"))
#: Administrators' sessions lock sooner (spec §8.2: ≤ 5 minutes for admin consoles).
MOTCUA_ADMIN_IDLE_MINUTES = int(os.environ.get("MOTCUA_ADMIN_IDLE_MINUTES", "5"))
#: However active, an officer signs in again after this many hours (absolute lifetime).
MOTCUA_OFFICER_SESSION_MAX_HOURS = int(os.environ.get("MOTCUA_OFFICER_SESSION_MAX_HOURS", "8"))
#: Officer accounts not signed in for this many days are disabled by the worker (level 3: 45 days);
#: 0 turns it off, the default in the embedded mode and debug, where the demo accounts sleep for weeks.
MOTCUA_OFFICER_INACTIVE_DAYS = int(
    os.environ.get("MOTCUA_OFFICER_INACTIVE_DAYS", "0" if DEBUG or EMBEDDED else "45")
)

# --- payments: fees, online payment, receipts, reconciliation (motcua.payments; ADR 0014) ---------
#: Serve the payment sandboxes (/sandbox/thanh-toan/…) and use their keys by default: on for
#: `make run`, debug and tests; off in production unless asked for.
MOTCUA_PAYMENTS_SANDBOX = env_bool("MOTCUA_PAYMENTS_SANDBOX", DEBUG or TESTING or EMBEDDED)
_pay_default = MOTCUA_PUBLIC_BASE_URL + "/sandbox/thanh-toan" if MOTCUA_PAYMENTS_SANDBOX else ""
#: Where gateways send notifications and return the citizen (our public address).
MOTCUA_PAYMENTS_CALLBACK_BASE_URL = os.environ.get(
    "MOTCUA_PAYMENTS_CALLBACK_BASE_URL", MOTCUA_PUBLIC_BASE_URL
).rstrip("/")
#: The national payment platform: base URL (default: the shipped sandbox), merchant code, HMAC key.
#: Without a key (production without MOTCUA_PAYMENTS_NATIONAL_SECRET) every notification is refused.
MOTCUA_PAYMENTS_NATIONAL_URL = os.environ.get("MOTCUA_PAYMENTS_NATIONAL_URL", _pay_default)
MOTCUA_PAYMENTS_NATIONAL_MERCHANT = os.environ.get(
    "MOTCUA_PAYMENTS_NATIONAL_MERCHANT", "MOTCUA" + MOTCUA_PROVINCE_CODE
)
MOTCUA_PAYMENTS_NATIONAL_SECRET = os.environ.get(
    "MOTCUA_PAYMENTS_NATIONAL_SECRET", "sandbox-national-secret" if MOTCUA_PAYMENTS_SANDBOX else ""
)
#: The bank of the collection account (tài khoản chuyên thu) for VietQR: base URL, NAPAS BIN, account, key.
MOTCUA_PAYMENTS_BANK_URL = os.environ.get("MOTCUA_PAYMENTS_BANK_URL", _pay_default)
MOTCUA_PAYMENTS_BANK_BIN = os.environ.get("MOTCUA_PAYMENTS_BANK_BIN", "970415")
MOTCUA_PAYMENTS_BANK_ACCOUNT = os.environ.get("MOTCUA_PAYMENTS_BANK_ACCOUNT", "1140000001")
MOTCUA_PAYMENTS_BANK_SECRET = os.environ.get(
    "MOTCUA_PAYMENTS_BANK_SECRET", "sandbox-bank-secret" if MOTCUA_PAYMENTS_SANDBOX else ""
)
#: Seconds before an HTTP call to a gateway gives up.
MOTCUA_PAYMENTS_HTTP_TIMEOUT = float(os.environ.get("MOTCUA_PAYMENTS_HTTP_TIMEOUT", "10"))
#: Minutes an intent can be paid (VNPAY's default is 15). [inferred]
MOTCUA_PAYMENTS_INTENT_MINUTES = int(os.environ.get("MOTCUA_PAYMENTS_INTENT_MINUTES", "15"))
#: The sandboxes' behaviour when the page does not say: "" (normal), "decline", "timeout", "twice",
#: "late", "out_of_order", "wrong_amount".
MOTCUA_PAYMENTS_SANDBOX_BEHAVIOUR = os.environ.get("MOTCUA_PAYMENTS_SANDBOX_BEHAVIOUR", "")
#: Name on the receipts' signature (the agency's fee-collection unit). [inferred]
MOTCUA_PAYMENTS_RECEIPT_SIGNER = os.environ.get("MOTCUA_PAYMENTS_RECEIPT_SIGNER", "Bộ phận thu phí, lệ phí")

# --- registries and exchange: registry ports, their sandbox and the HTTP client layer (ADR 0011) ---
#: Registry adapters: "sandbox" (synthetic population, default) or "http" (the exchange platform).
MOTCUA_REGISTRIES = os.environ.get("MOTCUA_REGISTRIES", "sandbox")
#: The synthetic population: seed, households (≈3.8 people each) and organisations.
MOTCUA_REGISTRY_SEED = int(os.environ.get("MOTCUA_REGISTRY_SEED", "2026"))
MOTCUA_REGISTRY_HOUSEHOLDS = int(os.environ.get("MOTCUA_REGISTRY_HOUSEHOLDS", "30000"))
MOTCUA_REGISTRY_ORGANISATIONS = int(os.environ.get("MOTCUA_REGISTRY_ORGANISATIONS", "12000"))
#: Sandbox behaviour for tests and training: answer slowly, fail, or find nothing.
MOTCUA_REGISTRY_SANDBOX_DELAY_MS = int(os.environ.get("MOTCUA_REGISTRY_SANDBOX_DELAY_MS", "0"))
MOTCUA_REGISTRY_SANDBOX_FAIL = env_bool("MOTCUA_REGISTRY_SANDBOX_FAIL")
MOTCUA_REGISTRY_SANDBOX_EMPTY = env_bool("MOTCUA_REGISTRY_SANDBOX_EMPTY")
#: The LGSP sandbox served at /sandbox/lgsp/ (on by default only in development, embedded and tests).
MOTCUA_LGSP_SANDBOX = env_bool("MOTCUA_LGSP_SANDBOX", DEBUG or EMBEDDED or TESTING)
MOTCUA_LGSP_SANDBOX_API_KEY = os.environ.get("MOTCUA_LGSP_SANDBOX_API_KEY", "sandbox-lgsp-key")
#: When set, the LGSP sandbox also requires HMAC-signed requests with this secret.
MOTCUA_LGSP_SANDBOX_SECRET = os.environ.get("MOTCUA_LGSP_SANDBOX_SECRET", "")
#: Message-log bodies are cut to this many characters.
MOTCUA_EXCHANGE_LOG_MAX_CHARS = int(os.environ.get("MOTCUA_EXCHANGE_LOG_MAX_CHARS", "20000"))


def _exchange_service(name: str) -> dict:
    """One outside service from MOTCUA_EXCHANGE_<NAME>_* (falling back to MOTCUA_EXCHANGE_*)."""

    def get(key: str, default: str = "") -> str:
        fallback = os.environ.get(f"MOTCUA_EXCHANGE_{key}", default)
        return os.environ.get(f"MOTCUA_EXCHANGE_{name.upper()}_{key}", fallback)

    api_key = get("API_KEY", MOTCUA_LGSP_SANDBOX_API_KEY)
    token, user, password = get("TOKEN"), get("USER"), get("PASSWORD")
    credentials = {"api_key": api_key, "token": token} if api_key or token else None
    if user:
        credentials = (user, password)
    connect, _, read = get("TIMEOUT", "3.05,10").partition(",")
    return {
        "base_url": get("URL", MOTCUA_PUBLIC_BASE_URL + "/sandbox/lgsp/"),
        "credentials": credentials,
        "timeout": (float(connect), float(read or connect)),
        "retries": int(get("RETRIES", "2")),
        "backoff": float(get("BACKOFF_SECONDS", "0.2")),
        "breaker_failures": int(get("BREAKER_FAILURES", "5")),
        "breaker_reset_seconds": float(get("BREAKER_RESET_SECONDS", "30")),
        "signing_secret": get("SIGNING_SECRET", MOTCUA_LGSP_SANDBOX_SECRET),
        "signing_key_id": get("SIGNING_KEY_ID", "motcua"),
    }


#: Per-service exchange settings (URL, credentials, timeouts, retries, breaker, signing).
MOTCUA_EXCHANGE_SERVICES = {
    name: _exchange_service(name)
    for name in (
        "population",
        "civil_status",
        "business",
        "social_insurance",
        "driving_licence",
        "national_portal",
    )
}

# --- eforms: interactive e-forms and the online submission (motcua.eforms; ADR 0013) -------------
#: Where the authored form definitions live (one <procedure code>.json each; `motcua load_forms`).
MOTCUA_FORMS_DIR = os.environ.get("MOTCUA_FORMS_DIR", str(BASE_DIR / "data" / "forms"))
#: An open draft untouched for this many hours counts as abandoned (`motcua abandon_drafts`). [inferred]
MOTCUA_FORM_ABANDON_HOURS = int(os.environ.get("MOTCUA_FORM_ABANDON_HOURS", "24"))
#: Largest paper a citizen may upload with an e-form (bytes); the counter allows 10 MB too. [inferred]
MOTCUA_FORM_MAX_UPLOAD_BYTES = int(os.environ.get("MOTCUA_FORM_MAX_UPLOAD_MB", "10")) * 1024 * 1024
#: Lookups of another person by the ID number typed in a form (e.g. the other spouse), per account per hour:
#: each one is audited, and a script guessing ID numbers stops here. [inferred]
MOTCUA_FORM_LOOKUP_RATE = (int(os.environ.get("MOTCUA_FORM_LOOKUP_LIMIT", "20")), 3600)

# --- sync delivery: outbox to the national portal, its sandbox, reconciliation (ADR 0017) --------
#: The national portal (Cổng DVCQG) adapter base URL: the shipped sandbox unless set.
MOTCUA_EXCHANGE_SERVICES["national_portal"]["base_url"] = os.environ.get(
    "MOTCUA_EXCHANGE_NATIONAL_PORTAL_URL", MOTCUA_PUBLIC_BASE_URL + "/sandbox/dvcqg/"
)
#: Session login (spec §4.1): path of the auth endpoint and the account given by VPCP.
MOTCUA_NATIONAL_PORTAL_AUTH_PATH = os.environ.get("MOTCUA_NATIONAL_PORTAL_AUTH_PATH", "dang-nhap")
MOTCUA_NATIONAL_PORTAL_SERVICE_PATH = os.environ.get("MOTCUA_NATIONAL_PORTAL_SERVICE_PATH", "dich-vu")
MOTCUA_NATIONAL_PORTAL_USERNAME = os.environ.get("MOTCUA_NATIONAL_PORTAL_USERNAME", "motcua")
MOTCUA_NATIONAL_PORTAL_PASSWORD = os.environ.get("MOTCUA_NATIONAL_PORTAL_PASSWORD", "sandbox-dvcqg")
#: The national portal sandbox served at /sandbox/dvcqg/ (on by default in development, embedded, tests).
MOTCUA_NATIONAL_PORTAL_SANDBOX = env_bool("MOTCUA_NATIONAL_PORTAL_SANDBOX", DEBUG or EMBEDDED or TESTING)
#: Sandbox session lifetime (seconds). [inferred]
MOTCUA_NATIONAL_PORTAL_SANDBOX_SESSION_SECONDS = int(
    os.environ.get("MOTCUA_NATIONAL_PORTAL_SESSION_S", "1800")
)
#: Delivery worker: period of the job, messages per run, lease of a claimed message (seconds).
MOTCUA_SYNC_DELIVER_EVERY = int(os.environ.get("MOTCUA_SYNC_DELIVER_EVERY", "5"))
MOTCUA_SYNC_BATCH = int(os.environ.get("MOTCUA_SYNC_BATCH", "500"))
MOTCUA_SYNC_LEASE_SECONDS = int(os.environ.get("MOTCUA_SYNC_LEASE_SECONDS", "60"))
#: Retries: exponential backoff base and cap (seconds), full jitter; a message that failed this many
#: times is dead-lettered (≈ a day and a half at the cap). [inferred]
MOTCUA_SYNC_BACKOFF_SECONDS = float(os.environ.get("MOTCUA_SYNC_BACKOFF_SECONDS", "2"))
MOTCUA_SYNC_BACKOFF_MAX_SECONDS = float(os.environ.get("MOTCUA_SYNC_BACKOFF_MAX_SECONDS", "900"))
MOTCUA_SYNC_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_SYNC_MAX_ATTEMPTS", "150"))
#: Nightly reconciliation against TraCuuHoSo: period (seconds) and dossiers looked up per call.
MOTCUA_SYNC_RECONCILE_EVERY = int(os.environ.get("MOTCUA_SYNC_RECONCILE_EVERY", "86400"))
#: The nightly jobs' local times (ADR 0041): reconciliation, catalog sync.
MOTCUA_SYNC_RECONCILE_AT = os.environ.get("MOTCUA_SYNC_RECONCILE_AT", "02:00")
MOTCUA_SYNC_CATALOG_AT = os.environ.get("MOTCUA_SYNC_CATALOG_AT", "01:30")
#: Outbox drains kept in the task queue at once (set to the number of worker processes).
MOTCUA_SYNC_WORKERS = int(os.environ.get("MOTCUA_SYNC_WORKERS", "1"))
#: Seconds between inbound pulls from the national portal; unset: 60 with a real adapter, off with
#: the sandbox (it makes up new dossiers at each call).
MOTCUA_SYNC_PULL_EVERY = int(os.environ.get("MOTCUA_SYNC_PULL_EVERY", "0"))
MOTCUA_SYNC_RECONCILE_CHUNK = int(os.environ.get("MOTCUA_SYNC_RECONCILE_CHUNK", "100"))
#: The nightly reconciliation also queues the repairs (re-sends are idempotent on the portal).
MOTCUA_SYNC_NIGHTLY_REPAIR = env_bool("MOTCUA_SYNC_NIGHTLY_REPAIR", True)
#: Catalog sync from the national procedure database (LayDanhSachTTHC/LayThuTuc): period (seconds).
MOTCUA_SYNC_CATALOG_EVERY = int(os.environ.get("MOTCUA_SYNC_CATALOG_EVERY", "86400"))

# --- webhooks to subscribed systems (motcua.sync.webhooks; ADR 0020) --------------------------------
MOTCUA_WEBHOOK_DELIVER_EVERY = int(os.environ.get("MOTCUA_WEBHOOK_DELIVER_EVERY", "5"))
#: Plain http receivers (development and tests only by default).
MOTCUA_WEBHOOK_ALLOW_HTTP = env_bool("MOTCUA_WEBHOOK_ALLOW_HTTP", DEBUG or TESTING)
#: Receivers on private addresses (the province's own network); off by default against SSRF.
MOTCUA_WEBHOOK_ALLOW_PRIVATE = env_bool("MOTCUA_WEBHOOK_ALLOW_PRIVATE")
MOTCUA_WEBHOOK_MAX_ATTEMPTS = int(
    os.environ.get("MOTCUA_WEBHOOK_MAX_ATTEMPTS", str(MOTCUA_SYNC_MAX_ATTEMPTS))
)
#: After a secret rotation the old secret signs too (a second `v1,` entry) for this many seconds.
MOTCUA_WEBHOOK_ROTATION_GRACE_SECONDS = int(os.environ.get("MOTCUA_WEBHOOK_ROTATION_GRACE_SECONDS", "86400"))

# --- insights: the QĐ 766 index (motcua.insights; ADR 0018) -----------------------------------------
#: QĐ 1565 criteria (ADR 0023): a per-service figure needs this many dossiers [inferred]; a
#: sign-in-to-submission session longer than this (hours) is left out of the timings and counted apart.
MOTCUA_CRITERIA_MIN_SAMPLE = int(os.environ.get("MOTCUA_CRITERIA_MIN_SAMPLE", "30"))
MOTCUA_CRITERIA_SESSION_MAX_HOURS = int(os.environ.get("MOTCUA_CRITERIA_SESSION_MAX_HOURS", "24"))
#: Open data (ADR 0025): counts from 1 to this are suppressed (small cells) [inferred: no Vietnamese
#: rule fixes it]; cache of a month's tables (seconds); downloads per IP per 10 minutes.
MOTCUA_OPENDATA_MIN_CELL = int(os.environ.get("MOTCUA_OPENDATA_MIN_CELL", "5"))
MOTCUA_OPENDATA_CACHE_SECONDS = int(os.environ.get("MOTCUA_OPENDATA_CACHE_SECONDS", "3600"))
MOTCUA_OPENDATA_RATE = (int(os.environ.get("MOTCUA_OPENDATA_LIMIT", "120")), 600)
#: Dashboards: a dossier is "at risk" when due within this many working days (ADR 0024). [inferred]
MOTCUA_DASHBOARD_AT_RISK_DAYS = int(os.environ.get("MOTCUA_DASHBOARD_AT_RISK_DAYS", "2"))
#: Group 3: full marks when toàn trình dossiers / eligible dossiers (× sync ratio) reach this. [inferred]
MOTCUA_INDEX_ONLINE_TARGET = float(os.environ.get("MOTCUA_INDEX_ONLINE_TARGET", "0.5"))
#: Group 3: a finished, approved online dossier counts only with an e-result (spec §1.2).
MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT = env_bool("MOTCUA_INDEX_ONLINE_NEEDS_E_RESULT", True)
#: Group 4: 3.5b and 3.5 score min(2, factor × ratio); 2.5 gives full marks at 80 %. [inferred cap]
MOTCUA_INDEX_PAYMENT_FACTOR_B = float(os.environ.get("MOTCUA_INDEX_PAYMENT_FACTOR_B", "2.5"))
MOTCUA_INDEX_PAYMENT_FACTOR_C = float(os.environ.get("MOTCUA_INDEX_PAYMENT_FACTOR_C", "2.5"))
#: Group 5: min(max, max × ratio / threshold): 80 % for data reuse, 100 % for the others.
MOTCUA_INDEX_REUSE_THRESHOLD = float(os.environ.get("MOTCUA_INDEX_REUSE_THRESHOLD", "0.8"))
MOTCUA_INDEX_DIGITISATION_THRESHOLD = float(os.environ.get("MOTCUA_INDEX_DIGITISATION_THRESHOLD", "1.0"))
#: Group 6: dossier satisfaction earns full marks at this ratio.
MOTCUA_INDEX_SATISFACTION_TARGET = float(os.environ.get("MOTCUA_INDEX_SATISFACTION_TARGET", "0.9"))
#: 2.1: which unfinished dossiers enter the denominator at the end of the period: "overdue" (judged
#: late), "all" (not yet late ones count as on time) or "none". [inferred]
MOTCUA_INDEX_UNFINISHED = os.environ.get("MOTCUA_INDEX_UNFINISHED", "overdue")
#: 1.4: what counts as synced: "national_code" (has a MaHoSo on the portal) or "outbox" (a
#: sync.OutboxMessage of the dossier in state "sent"). [inferred until the sync outbox exists]
MOTCUA_INDEX_SYNC_SOURCE = os.environ.get("MOTCUA_INDEX_SYNC_SOURCE", "national_code")
#: 1.4: last year's dossier count reported for the province (0: none); a period's reference is pro rata.
MOTCUA_INDEX_SYNC_REFERENCE_YEARLY = int(os.environ.get("MOTCUA_INDEX_SYNC_REFERENCE_YEARLY", "0"))
#: Grade bands, "minimum:grade" from the best down (QĐ 766 names none). [inferred]
MOTCUA_INDEX_GRADE_BANDS = [
    (float(minimum), grade.strip())
    for minimum, _, grade in (
        band.partition(":")
        for band in os.environ.get(
            "MOTCUA_INDEX_GRADE_BANDS", "90:Xuất sắc,80:Tốt,65:Khá,50:Trung bình,0:Yếu"
        ).split(",")
    )
]
#: madonvi of calls that are not about one dossier (LayHoSoMoi): the province's code on the portal.
MOTCUA_NATIONAL_PORTAL_AGENCY_CODE = os.environ.get("MOTCUA_NATIONAL_PORTAL_AGENCY_CODE", "H52")
#: Dossier records per portal call (data[] holds many), and how long one delivery run may drain the queue.
MOTCUA_SYNC_RECORDS_PER_CALL = int(os.environ.get("MOTCUA_SYNC_RECORDS_PER_CALL", "50"))
MOTCUA_SYNC_RUN_SECONDS = float(os.environ.get("MOTCUA_SYNC_RUN_SECONDS", "30"))
#: Recommendations learned from dossiers (issue 15, ADR 0031): a pattern counted on fewer distinct
#: people than this is suppressed (k-anonymity), so no suggestion reveals one person's history.
MOTCUA_RECOMMEND_MIN_PEOPLE = int(os.environ.get("MOTCUA_RECOMMEND_MIN_PEOPLE", "10"))
#: Local times (Asia/Ho_Chi_Minh) of the nightly work: the proactive pass, the recommender's rebuild and
#: the dormant officers' check run once a night across workers, after the portal's 01:30 and 02:00 jobs.
MOTCUA_FORYOU_NIGHTLY_AT = os.environ.get("MOTCUA_FORYOU_NIGHTLY_AT", "03:00")
MOTCUA_RECOMMENDER_AT = os.environ.get("MOTCUA_RECOMMENDER_AT", "03:30")
MOTCUA_OFFICER_INACTIVE_AT = os.environ.get("MOTCUA_OFFICER_INACTIVE_AT", "04:00")

# Data-subject rights and retention (issue 17 items 6–7, ADR 0039, motcua/privacy).
#: NĐ 356/2025 Điều 5 periods counted in "days" (calendar days, the stricter reading; a last day
#: off moves to the next working day) or "working_days". [inferred: the spec leaves the unit open]
MOTCUA_PRIVACY_DUE_UNIT = os.environ.get("MOTCUA_PRIVACY_DUE_UNIT", "days")
#: Retention in days per kind; level 3 asks ≥ 90 days of logs online (a smaller value is raised to 90).
MOTCUA_RETENTION_MESSAGE_LOG_DAYS = int(os.environ.get("MOTCUA_RETENTION_MESSAGE_LOG_DAYS", "365"))
MOTCUA_RETENTION_AXES_DAYS = int(os.environ.get("MOTCUA_RETENTION_AXES_DAYS", "365"))
MOTCUA_RETENTION_NOTIFICATIONS_DAYS = int(os.environ.get("MOTCUA_RETENTION_NOTIFICATIONS_DAYS", "365"))
#: Abandoned e-form drafts: 400 days keeps a whole year for the QĐ 1565 abandonment measure.
MOTCUA_RETENTION_DRAFTS_DAYS = int(os.environ.get("MOTCUA_RETENTION_DRAFTS_DAYS", "400"))
#: Rows per DELETE statement of the purge.
MOTCUA_RETENTION_BATCH = int(os.environ.get("MOTCUA_RETENTION_BATCH", "5000"))
