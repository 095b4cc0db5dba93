"""Data-subject rights and retention (quyền của chủ thể dữ liệu, lưu trữ và xóa nhật ký), floor 5."""

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "motcua.privacy"
    label = "privacy"
    verbose_name = "Bảo vệ dữ liệu cá nhân"
