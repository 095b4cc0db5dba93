"""How eID code reaches the population and business registries.

The sandbox provider plays the national eID, which itself reads the population database; and the
choice of organisation is checked against the business registry. Both are adapters chosen in
settings (MOTCUA_EID_REGISTRIES, a module with `get(name)`), so this floor-2 app does not import
the floor-3 registries app (ADR 0012).
"""

from importlib import import_module

from django.conf import settings


def registry(name: str):
    return import_module(settings.MOTCUA_EID_REGISTRIES).get(name)


def person(id_number: str):
    return registry("population").person(id_number)


def represented_by(id_number: str) -> list:
    return list(registry("business").represented_by(id_number))
