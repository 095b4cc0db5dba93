"""`motcua demo_accounts` (run by `make run`) gives demo officers a TOTP key and prints what to type."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from motcua.eid import officers
from motcua.people.models import User

pytestmark = pytest.mark.django_db


def test_demo_officers_get_a_stable_totp_key_and_the_sandbox_passcode_is_printed(reference_data, settings):
    settings.MOTCUA_EID_SANDBOX_PASSCODE = "975310"
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    tiepnhan = User.objects.get(username="tiepnhan")
    device = officers.confirmed_device(tiepnhan)
    key = re.search(r"tiepnhan / \S+: .* khóa TOTP ([A-Z2-7]+)", text).group(1)
    assert key == officers.base32_key(device)
    assert "975310" in text and "motcua eid code" in text
    assert officers.confirmed_device(User.objects.get(username="congdan")) is None  # citizens: eID only

    call_command("demo_accounts", stdout=StringIO())  # again (every `make run`): the same key
    assert officers.base32_key(officers.confirmed_device(tiepnhan)) == key

    settings.EMBEDDED = True
    out = StringIO()
    call_command("eid", "code", "tiepnhan", stdout=out)
    assert out.getvalue().strip() == officers.next_usable_code(device)
