"""/api/v1/: the REST API (motcua/api/api.py) and its OpenAPI document at /api/v1/openapi.json."""

from django.urls import path

from .api import api

urlpatterns = [path("", api.urls)]
