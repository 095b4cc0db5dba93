"""Administrative units and agencies (floor 2)."""

from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "motcua.places"
    label = "places"
    verbose_name = "Đơn vị hành chính và cơ quan"
