"""National and local registries: ports, sandbox adapters and the prefill resolver (floor 3).

`get(name)` returns the configured adapter of a registry port (motcua/registries/ports.py):
"population", "civil_status", "business", "social_insurance" or "driving_licence". The setting
MOTCUA_REGISTRIES names the plugin of the "registries" family in `motcua.core.adapters`: "sandbox"
(default: the synthetic population of the `sandbox` package) or "http" (the data-exchange platform
through motcua.exchange, see http.py); RegistriesConfig.ready registers both, each a table of one
adapter class per port. The prefill origins are the family "prefill_origin" (prefill.py).
"""

from motcua.core import adapters

NAMES = ("population", "civil_status", "business", "social_insurance", "driving_licence")


def get(name: str):
    """The configured adapter for a registry; ValueError for an unknown port, UnknownAdapter
    (ImproperlyConfigured) for an unknown MOTCUA_REGISTRIES."""
    if name not in NAMES:
        raise ValueError(f"Unknown registry {name!r}; expected one of {', '.join(NAMES)}.")
    return adapters.get("registries")[name]()


def register_adapters() -> None:
    """The "registries" family (RegistriesConfig.ready): "sandbox" and "http"."""
    from . import http, sandbox

    adapters.declare("registries", setting="MOTCUA_REGISTRIES", default="sandbox")
    adapters.register("registries", "sandbox", sandbox.ADAPTERS)
    adapters.register("registries", "http", http.ADAPTERS)
