"""Interactive e-forms (biểu mẫu điện tử tương tác): definitions, prefill, drafts, submission (floor 5)."""

from django.apps import AppConfig


class EformsConfig(AppConfig):
    name = "motcua.eforms"
    label = "eforms"
    verbose_name = "Biểu mẫu điện tử tương tác"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from motcua.core import jobs

        from . import services
        from .models import FormDefinition

        jobs.register("eforms.abandon", services.mark_abandoned, 3600)
        # The definitions this process keeps (services.definition) are read again after a change here.
        post_save.connect(
            services.forget_definitions, sender=FormDefinition, dispatch_uid="eforms.definitions"
        )
        post_delete.connect(
            services.forget_definitions, sender=FormDefinition, dispatch_uid="eforms.definitions"
        )
