"""National and local registries: ports, sandbox adapters and the prefill resolver (floor 3)."""

from django.apps import AppConfig


class RegistriesConfig(AppConfig):
    name = "motcua.registries"
    label = "registries"
    verbose_name = "Cơ sở dữ liệu quốc gia, chuyên ngành"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import prefill, register_adapters
        from .notices import receive_on_sign_in

        user_logged_in.connect(receive_on_sign_in, dispatch_uid="registries.birth_notices")
        register_adapters()  # core.adapters: "registries" (sandbox, http)
        prefill.register_origins()  # core.adapters: "prefill_origin"
