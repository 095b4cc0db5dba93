"""Issue 17 item 11: password strength, dormant officer accounts, sandbox keys in production."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from django.utils import timezone

from motcua.core import checks as motcua_checks
from motcua.core import jobs
from motcua.people.inactive import disable_inactive
from motcua.people.models import User
from motcua.people.passwords import StrengthValidator

# --- strength ------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["aaaaaaaaaaaa", "qwertyuiopas", "123456789abc", "abcabcabcabc"])
def test_trivial_twelve_character_passwords_are_refused(weak):
    with pytest.raises(ValidationError) as refused:
        validate_password(weak)
    assert "password_too_guessable" in {e.code for e in refused.value.error_list}


def test_a_long_unrelated_passphrase_is_accepted():
    validate_password("trâu-vàng ngủ trên mái nhà 1987 xanh lá")  # raises if refused


def test_the_users_own_name_makes_a_password_guessable():
    user = User(username="nguyenthanhlong", full_name="Nguyễn Thành Long", email="long@example.vn")
    StrengthValidator().validate("nguyenthanhlong2026")  # acceptable for a stranger…
    with pytest.raises(ValidationError):
        StrengthValidator().validate("nguyenthanhlong2026", user)  # …not for him


def test_the_message_is_vietnamese_first_and_translated():
    from django.utils import translation

    with pytest.raises(ValidationError) as refused:
        StrengthValidator().validate("aaaaaaaaaaaa")
    assert "quá dễ đoán" in refused.value.messages[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        StrengthValidator().validate("aaaaaaaaaaaa")
    assert "too easy to guess" in refused.value.messages[0]


# --- officers unused for 45 days -----------------------------------------------------------------


@pytest.mark.django_db
@override_settings(MOTCUA_OFFICER_INACTIVE_DAYS=45)
def test_officers_unused_for_45_days_are_disabled_and_audited():
    from motcua.audit.models import AuditEntry

    now = timezone.now()
    dormant = User.objects.create(
        username="cb-ngu", kind=User.Kind.OFFICER, last_login=now - timedelta(days=46)
    )
    recent = User.objects.create(
        username="cb-moi", kind=User.Kind.OFFICER, last_login=now - timedelta(days=44)
    )
    never = User.objects.create(username="cb-chua", kind=User.Kind.OFFICER)
    User.objects.filter(pk=never.pk).update(date_joined=now - timedelta(days=50))
    admin = User.objects.create(username="qt", is_staff=True, last_login=now - timedelta(days=60))
    citizen = User.objects.create(
        username="dan", kind=User.Kind.CITIZEN, last_login=now - timedelta(days=400)
    )

    assert disable_inactive(now) == 3
    active = dict(User.objects.values_list("username", "is_active"))
    assert (
        active[dormant.username] is False
        and active[never.username] is False
        and active[admin.username] is False
    )
    assert active[recent.username] is True and active[citizen.username] is True
    audited = set(
        AuditEntry.objects.filter(action="people.officer_disabled_inactive").values_list(
            "object_id", flat=True
        )
    )
    assert audited == {str(dormant.pk), str(never.pk), str(admin.pk)}
    assert disable_inactive(now) == 0  # already disabled: nothing again


@pytest.mark.django_db
def test_a_zero_setting_disables_nothing():
    User.objects.create(
        username="cb", kind=User.Kind.OFFICER, last_login=timezone.now() - timedelta(days=900)
    )
    with override_settings(MOTCUA_OFFICER_INACTIVE_DAYS=0):
        assert disable_inactive() == 0
    assert User.objects.get(username="cb").is_active


def test_the_worker_runs_it_daily():
    job = {j.name: j for j in jobs.registered()}["people.disable_inactive"]
    assert job.run is disable_inactive and f"{job.at:%H:%M}" == "04:00"  # each night, local time


# --- sandbox keys in production ------------------------------------------------------------------

_PRODUCTION = {"DEBUG": False, "EMBEDDED": False, "TESTING": False}
_REAL_KEYS = {
    "MOTCUA_PAYMENTS_NATIONAL_SECRET": "a-real-national-secret",
    "MOTCUA_PAYMENTS_BANK_SECRET": "a-real-bank-secret",
    "MOTCUA_NATIONAL_PORTAL_PASSWORD": "a-real-password",
    "MOTCUA_EID_SANDBOX": False,
    "MOTCUA_PAYMENTS_SANDBOX": False,
    "MOTCUA_LGSP_SANDBOX": False,
    "MOTCUA_NATIONAL_PORTAL_SANDBOX": False,
    # encryption at rest (ADR 0040): keys from the vault, never generated in production
    "MOTCUA_DATA_KEYS": ["pKqJ1pJ0o2Wq3T1y3nKJmF4Qx0lqU9jz2yFZc1c7t0E="],
    "MOTCUA_BLIND_INDEX_KEY": "a-real-blind-index-key",
}


def test_production_with_the_embedded_sandbox_keys_is_an_error_and_the_wsgi_app_refuses():
    sandbox = {
        **_REAL_KEYS,
        "MOTCUA_PAYMENTS_NATIONAL_SECRET": "sandbox-national-secret",
        "MOTCUA_EID_SANDBOX": True,
    }
    with override_settings(**_PRODUCTION, **sandbox):
        errors = motcua_checks.sandbox_keys_in_production()
        assert {e.id for e in errors} == {"motcua.E001", "motcua.E002"}
        assert all(e.is_serious() for e in errors)
        assert any("MOTCUA_PAYMENTS_NATIONAL_SECRET" in e.msg for e in errors)
        assert any("MOTCUA_EID_SANDBOX" in e.msg for e in errors)
        with pytest.raises(ImproperlyConfigured):
            motcua_checks.refuse_sandbox_in_production()


def test_production_with_real_keys_passes_and_the_embedded_mode_keeps_its_sandboxes():
    with override_settings(**_PRODUCTION, **_REAL_KEYS):
        assert motcua_checks.sandbox_keys_in_production() == []
        motcua_checks.refuse_sandbox_in_production()
    with override_settings(**{**_PRODUCTION, "EMBEDDED": True}, MOTCUA_EID_SANDBOX=True):
        assert motcua_checks.sandbox_keys_in_production() == []


def test_the_check_is_registered_with_djangos_checks():
    from django.core import checks

    with override_settings(
        **_PRODUCTION, **{**_REAL_KEYS, "MOTCUA_PAYMENTS_BANK_SECRET": "sandbox-bank-secret"}
    ):
        found = checks.run_checks(tags=[motcua_checks.TAG])
    assert [e.id for e in found] == ["motcua.E001"]
