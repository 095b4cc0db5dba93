"""Users, citizen and officer profiles (floor 2)."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "motcua.people"
    label = "people"
    verbose_name = "Người dùng"

    def ready(self):
        from django.conf import settings

        from motcua.core import jobs

        from . import inactive

        jobs.register(
            "people.disable_inactive", inactive.disable_inactive, at=settings.MOTCUA_OFFICER_INACTIVE_AT
        )
