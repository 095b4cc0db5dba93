"""Officers' second factor (xác thực hai yếu tố): TOTP devices of django-otp.

Enrolment, the current code (for demo accounts and tests) and the otpauth:// address for the QR.
"""

from __future__ import annotations

import base64
import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_login_failed
from django_otp import login as otp_login
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.audit.services import record

DEVICE_NAME = "Ứng dụng xác thực"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, so a reload shows the same key)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def ensure_device(user, key_hex: str | None = None) -> TOTPDevice:
    """A confirmed device for `user` (demo accounts, tests); keeps an existing one's key."""
    device = confirmed_device(user)
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=True)
        if key_hex:
            device.key = key_hex
        device.save()
    return device


def base32_key(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)


def code_at(device: TOTPDevice, t: int) -> str:
    """The code of time step `t` (steps of device.step seconds since device.t0)."""
    return str(hotp(device.bin_key, t, digits=device.digits)).zfill(device.digits)


def next_usable_code(device: TOTPDevice) -> str:
    """The earliest code the device still accepts: codes are single-use (last_t), so a second
    sign-in in the same 30 seconds uses the next step, within the tolerated drift."""
    device.refresh_from_db()
    now_t = int((time.time() - device.t0) // device.step)
    return code_at(device, max(now_t, device.last_t + 1))


def current_code(username: str) -> str | None:
    from motcua.people.models import User

    user = User.objects.filter(username=username).first()
    device = confirmed_device(user) if user else None
    return next_usable_code(device) if device else None


# --- the two-step sign-in: password, then code ----------------------------------------------

PENDING_KEY = "officer_sign_in"


def begin(request, user) -> None:
    """The password was right: remember who, briefly. Nobody is signed in until the code is."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"user_id": user.pk, "at": time.time()}


def pending_user(request):
    from motcua.people.models import User

    pending = request.session.get(PENDING_KEY) or {}
    if time.time() - pending.get("at", 0) > settings.MOTCUA_OFFICER_SIGN_IN_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return User.objects.filter(pk=pending.get("user_id"), is_active=True).first()


def is_locked(request, user) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": user.get_username()})


def _failed(request, user) -> None:
    # Counted by django-axes like a wrong password: N failures of either lock the account.
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)


class TryLater(Exception):
    """django-otp throttles a device for a few seconds after a wrong code; nothing was checked."""


def _not_throttled(device) -> None:
    allowed, _data = device.verify_is_allowed()
    if not allowed:
        raise TryLater


def verify(request, user, code: str) -> TOTPDevice | None:
    """Check a code against the officer's confirmed device; a failure counts towards the lockout."""
    device = confirmed_device(user)
    code = (code or "").strip().replace(" ", "")
    if device is not None:
        _not_throttled(device)
    if device is not None and code.isdigit() and device.verify_token(code):
        return device
    _failed(request, user)
    return None


def confirm(request, user, code: str) -> TOTPDevice | None:
    """Enrolment: the first code from the new device confirms it."""
    device = pending_device(user)
    code = (code or "").strip().replace(" ", "")
    _not_throttled(device)
    if code.isdigit() and device.verify_token(code):
        TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record("officer.totp_enrolled", actor=user, obj=user)
        return device
    _failed(request, user)
    return None


def complete(request, user, device: TOTPDevice) -> None:
    """Both factors are right: sign in, mark the session verified (django-otp)."""
    request.session.pop(PENDING_KEY, None)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    record("officer.sign_in", actor=user, obj=user)
