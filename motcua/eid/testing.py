"""Helpers for tests of other apps that need a signed-in officer or citizen.

They set up the same session state the real sign-in leaves (the officer's TOTP device verified by
django-otp; the eID subject and sign-in time for a citizen); the sign-in itself is tested in
motcua/eid/tests and motcua/backoffice/tests/test_sign_in.py.
"""

from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from . import officers
from .acting import EID_KEY, SIGNED_IN_AT_KEY


def sign_in_officer(client, user):
    """Sign the test client in as `user` with a verified second factor (creates the device)."""
    device = officers.ensure_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sign_in_citizen(client, user):
    """Sign the test client in as a citizen who came through the national eID."""
    client.force_login(user, backend="motcua.eid.client.EidBackend")
    session = client.session
    session[EID_KEY] = user.personal_id
    session[SIGNED_IN_AT_KEY] = timezone.now().isoformat()
    session.save()
    return client
