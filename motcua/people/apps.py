"""Users, citizen and officer profiles (floor 2)."""

from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "motcua.people"
    label = "people"
    verbose_name = "Người dùng"
