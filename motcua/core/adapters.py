"""One adapter registry (sổ đăng ký bộ nối): every port chooses its adapter here (ADR 0045).

Each outside system is a port with adapters (docs/DESIGN.md, "Ports and adapters"). A *family* is a
port; a *plugin* is one adapter of it, registered under a short name. The app that owns the port
declares the family and registers its plugins from its ``AppConfig.ready()`` (so the ground floor
never imports the floors above), and asks for the configured one with ``get(family)``::

    adapters.declare("registries", setting="MOTCUA_REGISTRIES", default="sandbox")
    adapters.register("registries", "sandbox", sandbox.ADAPTERS)
    adapters.get("registries")          # the plugin the setting names
    adapters.get("payment_gateway", "vietqr")   # a family chosen per call, by name

A setting names a plugin by its registered name or, where the family allows it, by the dotted path
of a class or function outside motcua (``a.b.C``): that is the one place motcua imports a module
named by a setting. ``checks.adapters_configured`` (a system check, ``motcua.E004``) fails when a
configured name is neither; ``get`` raises ``UnknownAdapter`` (ImproperlyConfigured) the same way.

The families, what chooses the plugin (the settings keep their names and values), and the plugins;
the first is the sandbox or demo plugin (the default unless said otherwise), which behaves like the
real service:

* ``registries`` — MOTCUA_REGISTRIES: ``sandbox`` (the synthetic province), ``http`` (the
  data-exchange platform, registries/http.py). Registered by RegistriesConfig.ready.
* ``prefill_origin`` — the origin of a form field's source ("population:full_name"):
  ``population``, ``civil_status``, ``business``, ``social_insurance``, ``driving_licence``,
  ``datastore``, ``previous``, ``acting`` (registries/prefill.py; every origin of LABELS must exist).
* ``national_portal`` — MOTCUA_NATIONAL_PORTAL: ``sandbox`` (sync/portal.py SandboxPortal), or the
  dotted path of a class.
* ``payment_gateway`` — the gateway code of an intent: ``national`` (Nền tảng thanh toán quốc gia),
  ``vietqr`` (bank transfer); both reach the payment sandbox while MOTCUA_PAYMENTS_SANDBOX is on.
* ``signer`` — MOTCUA_SIGNER: ``sandbox`` (a local CA), ``remote`` (also "hsm", "pkcs11"; refuses
  to start: not implemented, ADR 0006).
* ``sms`` — MOTCUA_SMS_GATEWAY: ``sandbox`` (kept in the database), or a dotted path.
* ``email`` — EMAIL_BACKEND, Django's dotted path (Django reads it too); ``sandbox`` (files in
  var/mail) and ``smtp`` are registered for motcua's own messages.
* ``eid`` — MOTCUA_EID: ``sandbox`` (the sandbox IdP), ``vneid`` (the national eID's endpoints).
* ``storage`` — MOTCUA_STORAGE, through ``settings.storage_config``, which writes the backend under
  EncryptedStorage as a dotted path: ``local`` (MEDIA_ROOT), ``s3`` (django-storages), or a path.
* ``guide_llm`` — MOTCUA_GUIDE_LLM, else ``openai`` exactly when MOTCUA_GUIDE_LLM_URL is set:
  ``off`` (the composed answer as it is), ``openai`` (an OpenAI-compatible endpoint).
* ``registry_feed`` — MOTCUA_REGISTRIES, for ``foryou``: ``sandbox`` (the sandbox's pending birth and
  death), ``http`` (none: the platform's changes arrive as events).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class UnknownAdapter(ImproperlyConfigured):
    """A configured or asked-for adapter name that no plugin answers to; the message says which."""


@dataclass
class Family:
    name: str
    #: The setting naming the plugin; None for a family chosen per call (payment gateways, origins).
    setting: str | None = None
    default: str = "sandbox"
    #: Accept a dotted path ("a.b.C") as a plugin outside motcua.
    dotted: bool = False
    #: Other spellings of a registered name ("hsm" → "remote").
    aliases: dict[str, str] = field(default_factory=dict)
    #: Derives the configured name where the setting is not a plain name (normalised, inferred).
    choose: Callable[[], str] | None = None
    #: The names that must resolve for the system check, for families chosen per call.
    required: Callable[[], list[str]] | None = None
    plugins: dict[str, object] = field(default_factory=dict)

    def configured(self) -> str:
        if self.choose is not None:
            name = self.choose()
        elif self.setting:
            name = getattr(settings, self.setting, self.default)
        else:
            name = self.default
        name = str(name if name not in (None, "") else self.default).strip()
        return self.aliases.get(name, name)


_lock = threading.Lock()
_families: dict[str, Family] = {}


def declare(
    family: str,
    *,
    setting: str | None = None,
    default: str = "sandbox",
    dotted: bool = False,
    aliases: dict[str, str] | None = None,
    choose: Callable[[], str] | None = None,
    required: Callable[[], list[str]] | None = None,
) -> Family:
    """Declare a family once (again with the same owner's arguments: ready() may run twice in tests)."""
    with _lock:
        existing = _families.get(family)
        declared = Family(
            family,
            setting=setting,
            default=default,
            dotted=dotted,
            aliases=dict(aliases or {}),
            choose=choose,
            required=required,
            plugins=existing.plugins if existing else {},
        )
        _families[family] = declared
        return declared


def register(family: str, name: str, plugin: object) -> object:
    """Register `plugin` as `name` of `family` (declared first); returns the plugin."""
    if "." in name:
        raise ValueError(f"Adapter names are short words, not dotted paths: {name!r}.")
    with _lock:
        if family not in _families:
            raise LookupError(f"Adapter family {family!r} is not declared.")
        _families[family].plugins[name] = plugin
    return plugin


def family(name: str) -> Family:
    try:
        return _families[name]
    except KeyError:
        raise LookupError(f"Adapter family {name!r} is not declared.") from None


def families() -> list[Family]:
    return [_families[name] for name in sorted(_families)]


def names(family_name: str) -> list[str]:
    return sorted(family(family_name).plugins)


def configured_name(family_name: str) -> str:
    """The name the settings choose for `family_name` (aliases resolved)."""
    return family(family_name).configured()


def get(family_name: str, name: str | None = None) -> object:
    """The plugin registered as `name` (default: the configured one), or the object a dotted path
    names where the family allows it; UnknownAdapter otherwise."""
    fam = family(family_name)
    chosen = fam.configured() if name is None else fam.aliases.get(name, name)
    plugin = fam.plugins.get(chosen)
    if plugin is not None:
        return plugin
    if fam.dotted and "." in chosen:
        try:
            return import_string(chosen)
        except ImportError as exc:
            raise UnknownAdapter(_message(fam, chosen, f" ({exc})")) from exc
    raise UnknownAdapter(_message(fam, chosen))


def problems() -> list[str]:
    """Every configured or required name that resolves to no plugin, as messages (the system check)."""
    out = []
    for fam in families():
        wanted = fam.required() if fam.required is not None else [fam.configured()]
        for name in wanted:
            try:
                get(fam.name, name)
            except UnknownAdapter as exc:
                out.append(str(exc))
    return out


def _message(fam: Family, name: str, why: str = "") -> str:
    where = f"{fam.setting} = {name!r}" if fam.setting else f"{fam.name} {name!r}"
    known = ", ".join(sorted(fam.plugins)) or "—"
    dotted = " hoặc đường dẫn lớp (a.b.C) / or a dotted path" if fam.dotted else ""
    return (
        f"{where}: không có bộ nối này trong nhóm “{fam.name}” / no such adapter in family "
        f"{fam.name!r}{why}. Chọn một trong / choose one of: {known}{dotted}."
    )
