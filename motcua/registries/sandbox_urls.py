"""The LGSP sandbox at /sandbox/lgsp/ (paths documented in wire.py)."""

from django.urls import path

from . import sandbox_views, wire

app_name = "lgsp_sandbox"

urlpatterns = [
    path(pattern.replace("{key}", "<str:key>"), sandbox_views.lookup, {"method": method}, name=method)
    for method, pattern in wire.PATHS.items()
]
