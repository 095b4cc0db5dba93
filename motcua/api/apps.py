"""The REST API /api/v1/ (floor 6): thin endpoints over the domain services, with its OpenAPI document."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "motcua.api"
    label = "api"
    verbose_name = "API"
