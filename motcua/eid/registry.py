"""How eID code reaches the population and business registries.

The sandbox provider plays the national eID, which itself reads the population database; and the
choice of organisation is checked against the business registry. Both are the configured adapters
of the registries app (`registries.get(name)`, chosen in settings): `eid` sits on floor 3 beside
`registries` and imports it plainly (ADR 0043).
"""

from motcua import registries


def registry(name: str):
    return registries.get(name)


def person(id_number: str):
    return registry("population").person(id_number)


def represented_by(id_number: str) -> list:
    return list(registry("business").represented_by(id_number))
