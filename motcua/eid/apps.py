"""Sign-in with the national eID (VNeID) over OpenID Connect, and its sandbox provider (floor 2)."""

from django.apps import AppConfig


class EidConfig(AppConfig):
    name = "motcua.eid"
    label = "eid"
    verbose_name = "Định danh điện tử"
