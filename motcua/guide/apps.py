from django.apps import AppConfig


class GuideConfig(AppConfig):
    """Trợ lý ảo: answers composed from the catalog and the citizen's own dossiers (floor 5)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "motcua.guide"
    verbose_name = "Trợ lý ảo"

    def ready(self):
        from . import llm

        llm.register_adapters()  # core.adapters: "guide_llm" (off, openai)
