"""The assistant's pages, under /tro-ly/ (inside the language prefix)."""

from django.urls import path

from . import views

app_name = "guide"
urlpatterns = [
    path("", views.page, name="page"),
    path("danh-gia/", views.rate_answer, name="rate"),
    path("chuyen-can-bo/", views.hand_over, name="handover"),
]
