"""Sign-in with the national eID (VNeID) over OpenID Connect, and its sandbox provider (floor 3)."""

from django.apps import AppConfig


class EidConfig(AppConfig):
    name = "motcua.eid"
    label = "eid"
    verbose_name = "Định danh điện tử"

    def ready(self):
        from . import client

        client.register_adapters()  # core.adapters: "eid" (sandbox, vneid)
