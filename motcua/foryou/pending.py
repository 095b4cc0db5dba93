"""Registrations that happened but are not in the registries yet (a baby born, a death not yet
registered): what the engine's birth and death kinds and the feed's registry events read.

The family "registry_feed" of core.adapters (ForyouConfig.ready), named by MOTCUA_REGISTRIES like
the registries themselves: "sandbox" gives the sandbox's scripted birth and death
(`registries.sandbox.pending_registrations`, behind its behaviour switches when asked); "http"
gives none, because the data-exchange platform's changes arrive as `registry.<what>` events.
"""

from __future__ import annotations

from motcua.core import adapters


def pending(*, gated: bool = False) -> list[dict]:
    """The configured plugin's pending registrations; `gated` applies the registry's failure
    switches first (RegistryUnavailable), as a lookup would."""
    return adapters.get("registry_feed")(gated=gated)


def sandbox_pending(*, gated: bool = False) -> list[dict]:
    from motcua.registries import sandbox

    if gated:
        sandbox.gate()
    return list(sandbox.pending_registrations().values())


def none_pending(*, gated: bool = False) -> list[dict]:
    return []


def register_adapters() -> None:
    adapters.declare("registry_feed", setting="MOTCUA_REGISTRIES", default="sandbox")
    adapters.register("registry_feed", "sandbox", sandbox_pending)
    adapters.register("registry_feed", "http", none_pending)
