"""Demo tooling (dữ liệu dùng thử): the year of demo dossiers, the personas' histories and the printed
demo accounts, with their commands `motcua demo` and `motcua demo_accounts`. Never for production.

The top floor (7, docs/DESIGN.md): it populates every app below it and no app imports it
(`.importlinter`, contract "No app imports the demo app")."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "motcua.demo"
    label = "demo"
    verbose_name = "Dữ liệu dùng thử"
