"""Data-subject rights and retention (quyền của chủ thể dữ liệu, lưu trữ và xóa nhật ký), floor 5."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "motcua.privacy"
    label = "privacy"
    verbose_name = "Bảo vệ dữ liệu cá nhân"

    def ready(self):
        from motcua.core import jobs

        from . import retention

        # Nightly: logs, attempts, notifications, drafts and sessions past their retention.
        jobs.register("privacy.purge", retention.purge_job, 24 * 3600)
