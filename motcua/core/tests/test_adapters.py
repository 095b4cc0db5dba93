"""One adapter registry (issue 19 item 3, ADR 0045): lookup, the system check, every family's default."""

from __future__ import annotations

import pathlib
import re

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from motcua.core import adapters, checks
from motcua.core.signing import LocalCASigner, RemoteSigningServiceSigner
from motcua.dossiers.notifications import SandboxSmsGateway
from motcua.eid import sandbox_idp
from motcua.foryou import pending
from motcua.guide import llm
from motcua.payments.gateways import BankTransfer, NationalPlatform
from motcua.registries import prefill, sandbox
from motcua.sync.portal import SandboxPortal

FAMILIES = {
    "registries",
    "prefill_origin",
    "national_portal",
    "payment_gateway",
    "signer",
    "sms",
    "email",
    "eid",
    "storage",
    "guide_llm",
    "registry_feed",
}


class Plugin:
    pass


class Other:
    pass


@pytest.fixture
def family():
    adapters.declare(
        "test_family", setting="MOTCUA_TEST_FAMILY", default="demo", dotted=True, aliases={"old": "demo"}
    )
    adapters.register("test_family", "demo", Plugin)
    yield "test_family"
    adapters._families.pop("test_family", None)


def test_a_plugin_is_found_by_the_setting_by_its_name_and_by_an_alias(family, settings):
    assert adapters.get(family) is Plugin  # the setting is absent: the default
    settings.MOTCUA_TEST_FAMILY = "old"
    assert adapters.configured_name(family) == "demo" and adapters.get(family) is Plugin
    adapters.register(family, "other", Other)
    settings.MOTCUA_TEST_FAMILY = "other"
    assert adapters.get(family) is Other and adapters.get(family, "demo") is Plugin
    assert adapters.names(family) == ["demo", "other"]


def test_a_dotted_path_names_a_plugin_outside_motcua_only_where_the_family_allows_it(family, settings):
    settings.MOTCUA_TEST_FAMILY = f"{__name__}.Other"
    assert adapters.get(family) is Other
    adapters.declare(family, setting="MOTCUA_TEST_FAMILY", default="demo")  # no dotted paths now
    with pytest.raises(adapters.UnknownAdapter, match="MOTCUA_TEST_FAMILY"):
        adapters.get(family)
    with pytest.raises(ValueError, match="short words"):
        adapters.register(family, "a.b", Other)


def test_an_unknown_name_is_an_error_that_names_the_setting_and_the_choices(family, settings):
    settings.MOTCUA_TEST_FAMILY = "magic"
    with pytest.raises(adapters.UnknownAdapter, match=r"'magic'.*choose one of: demo"):
        adapters.get(family)
    settings.MOTCUA_TEST_FAMILY = "nowhere.Adapter"
    with pytest.raises(adapters.UnknownAdapter, match="không có bộ nối"):
        adapters.get(family)
    with pytest.raises(LookupError):
        adapters.get("no_such_family")


def test_the_system_check_fails_on_every_configured_name_that_does_not_exist(settings):
    assert checks.adapters_configured() == []
    settings.MOTCUA_REGISTRIES = "bogus"
    settings.MOTCUA_SIGNER = "magic"
    settings.MOTCUA_NATIONAL_PORTAL = "motcua.sync.nowhere.Portal"
    settings.MOTCUA_SMS_GATEWAY = "carrier-pigeon"
    errors = checks.adapters_configured()
    assert {e.id for e in errors} == {"motcua.E004"}
    text = "\n".join(e.msg for e in errors)
    for expected in ("'bogus'", "'magic'", "motcua.sync.nowhere.Portal", "carrier-pigeon"):
        assert expected in text
    assert "“registries”" in text and "“registry_feed”" in text and "“signer”" in text
    assert len(errors) == 5


def test_every_family_resolves_its_default_plugin(settings):
    assert {f.name for f in adapters.families()} >= FAMILIES
    assert adapters.problems() == []
    expected = {
        "registries": sandbox.ADAPTERS,
        "prefill_origin": prefill.ORIGINS["population"],
        "national_portal": SandboxPortal,
        "payment_gateway": NationalPlatform,
        "signer": LocalCASigner,
        "sms": SandboxSmsGateway,
        "eid": sandbox_idp.endpoints,
        "storage": FileSystemStorage,
        "guide_llm": llm.off,
        "registry_feed": pending.sandbox_pending,
        "email": SmtpBackend,
    }
    for name, plugin in expected.items():
        assert adapters.get(name, adapters.family(name).default) is plugin, name


def test_the_ports_choose_through_the_registry(settings, monkeypatch):
    from motcua import registries
    from motcua.core.signing import get_signer
    from motcua.payments.gateways import GatewayError, get_gateway

    settings.MOTCUA_SIGNER = " HSM "
    with pytest.raises(NotImplementedError):
        get_signer("Nguyễn Văn A", "UBND xã")
    assert adapters.get("signer") is RemoteSigningServiceSigner
    assert isinstance(get_gateway("vietqr"), BankTransfer)
    with pytest.raises(GatewayError):
        get_gateway("cash")
    settings.MOTCUA_REGISTRIES = "http"
    assert type(registries.get("population")).__name__ == "HttpPopulation"
    assert pending.pending() == []
    monkeypatch.delenv("MOTCUA_GUIDE_LLM_URL", raising=False)
    assert adapters.configured_name("guide_llm") == "off" and not llm.enabled()
    monkeypatch.setenv("MOTCUA_GUIDE_LLM_URL", "http://127.0.0.1:9/v1")
    assert adapters.get("guide_llm") is llm.openai_compatible


def test_only_the_registry_imports_what_a_setting_names():
    """No other module of motcua imports by a name it reads at run time (issue 19: importlib only
    where a setting names a plugin): the registry and Django's session engine."""
    allowed = {
        "core/adapters.py",  # the one place a setting names a plugin
        "privacy/retention.py",  # SESSION_ENGINE, Django's own setting
    }
    root = pathlib.Path(adapters.__file__).resolve().parents[1]
    pattern = re.compile(r"\b(import_string|import_module|importlib)\b")
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    }
    assert found <= allowed, sorted(found - allowed)
