"""The national portal sandbox at /sandbox/dvcqg/ (served only when MOTCUA_NATIONAL_PORTAL_SANDBOX is on)."""

from django.urls import path

from . import sandbox

app_name = "dvcqg_sandbox"
urlpatterns = [
    path("dang-nhap", sandbox.login, name="login"),
    path("dich-vu", sandbox.service, name="service"),
    path("dieu-khien", sandbox.control, name="control"),
]
