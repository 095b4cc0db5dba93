"""Interactive e-forms (biểu mẫu điện tử tương tác): definitions, prefill, drafts, submission (floor 5)."""

from django.apps import AppConfig


class EformsConfig(AppConfig):
    name = "motcua.eforms"
    label = "eforms"
    verbose_name = "Biểu mẫu điện tử tương tác"

    def ready(self):
        from motcua.core import jobs

        from . import services

        jobs.register("eforms.abandon", services.mark_abandoned, 3600)
