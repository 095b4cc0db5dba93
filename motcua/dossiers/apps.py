"""The dossier lifecycle: intake, processing, deadlines, results (floor 4)."""

from django.apps import AppConfig


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
    verbose_name = "Hồ sơ"

    def ready(self):
        from . import notifications

        notifications.register_adapters()  # core.adapters: "sms" and "email"
