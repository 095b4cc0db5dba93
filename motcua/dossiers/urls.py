"""Mounted at /can-bo/ho-so/<code>/ (motcua/urls.py), before the officers' site, which owns the
dossier page itself: only these three paths are taken here."""

from django.urls import path, re_path

from . import views

app_name = "dossiers"
urlpatterns = [
    re_path(r"^phieu/(?P<number>0[1-6])/$", views.paper, name="paper"),
    path("ket-qua/", views.result_file, name="result"),
    path("ky-ket-qua/", views.sign_result, name="sign_result"),
]
