"""Production settings as shipped (docs/security/asvs-l2.md V3, V14): `check --deploy` has no error,
a response carries HSTS, CSP, frame and sniffing protections and Secure/HttpOnly cookies;
passwords are hashed with Argon2id.

Run in a subprocess with a production environment (no MOTCUA_EMBEDDED, DEBUG or test mode), the
way `tests/test_production_profile.py` starts gunicorn."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.test import Client
from django.conf import settings
response = Client().get("/healthz", secure=True, HTTP_HOST="127.0.0.1")
print(json.dumps({
    "status": response.status_code,
    "headers": dict(response.headers),
    "csrf_cookie": [settings.CSRF_COOKIE_SECURE, settings.CSRF_COOKIE_SAMESITE],
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY,
                       settings.SESSION_COOKIE_SAMESITE],
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "hasher": settings.PASSWORD_HASHERS[0],
}))
"""


def _production_env(tmp_path) -> dict:
    drop = ("MOTCUA_", "DATABASE_URL", "PG", "DJANGO_ALLOW_ASYNC_UNSAFE")  # the test runner sets the last
    keep = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "MOTCUA_SECRET_KEY": "security-profile-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MOTCUA_ALLOWED_HOSTS": "127.0.0.1",
        "MOTCUA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/motcua.sqlite3",
        "MOTCUA_EID": "vneid",
        "MOTCUA_EID_CLIENT_ID": "motcua-test",
        "MOTCUA_EID_CLIENT_SECRET": "eid-client-secret-for-the-test",
        "MOTCUA_EID_ISSUER": "https://eid.invalid",
        **{
            f"MOTCUA_EID_{name}_ENDPOINT": f"https://eid.invalid/{name.lower()}"
            for name in ("AUTHORIZATION", "TOKEN", "USERINFO", "JWKS")
        },
        "MOTCUA_NATIONAL_PORTAL_PASSWORD": "portal-password-for-the-test",
        "MOTCUA_PAYMENTS_NATIONAL_SECRET": "national-secret-for-the-test",
        "MOTCUA_PAYMENTS_BANK_SECRET": "bank-secret-for-the-test",
        "MOTCUA_DATA_KEYS": Fernet.generate_key().decode(),
        "MOTCUA_BLIND_INDEX_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
    }


def test_check_deploy_has_no_error_and_responses_carry_the_security_headers(tmp_path):
    env = _production_env(tmp_path)
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "ERRORS" not in check.stderr

    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert seen["status"] == 200
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["strict-transport-security"]
    csp = headers["content-security-policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert seen["session_cookie"] == [True, True, "Lax"]
    assert seen["ssl_redirect"] is True
    assert seen["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"  # Argon2id in Django
    assert seen["csrf_cookie"] == [True, "Lax"]
