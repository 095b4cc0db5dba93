"""National and local registries: ports, sandbox adapters and the prefill resolver (floor 3).

`get(name)` returns the configured adapter of a registry port (motcua/registries/ports.py):
"population", "civil_status", "business", "social_insurance" or "driving_licence". The setting
MOTCUA_REGISTRIES chooses "sandbox" (default: the synthetic population of sandbox.py) or "http"
(the data-exchange platform through motcua.exchange, see http.py).
"""

NAMES = ("population", "civil_status", "business", "social_insurance", "driving_licence")


def get(name: str):
    """The configured adapter for a registry; ValueError for an unknown name or mode."""
    from django.conf import settings

    if name not in NAMES:
        raise ValueError(f"Unknown registry {name!r}; expected one of {', '.join(NAMES)}.")
    mode = getattr(settings, "MOTCUA_REGISTRIES", "sandbox")
    if mode == "sandbox":
        from . import sandbox as module
    elif mode == "http":
        from . import http as module
    else:
        raise ValueError(f"MOTCUA_REGISTRIES must be 'sandbox' or 'http', not {mode!r}.")
    return module.ADAPTERS[name]()
