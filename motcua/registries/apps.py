"""National and local registries: ports, sandbox adapters and the prefill resolver (floor 3)."""

from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "motcua.registries"
    label = "registries"
    verbose_name = "Cơ sở dữ liệu quốc gia, chuyên ngành"
