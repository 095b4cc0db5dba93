"""The REST API /api/v1/ (floor 6): thin endpoints over the domain services, with its OpenAPI document."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "motcua.api"
    label = "api"
    verbose_name = "API"

    def ready(self):
        from motcua.core import jobs

        from . import services

        jobs.register("api.purge_tokens", services.purge_expired, 3600)
