"""URLs of "Dành cho bạn", under /danh-cho-ban/ (inside the language prefix)."""

from django.urls import path

from . import views

app_name = "foryou"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:pk>/bo-qua/", views.dismiss, name="dismiss"),
    path("lua-chon/", views.choices, name="choices"),
    path("lien-thong/<slug:code>/", views.bundle_start, name="bundle_start"),
    path("lien-thong/ho-so/<str:code>/", views.bundle_case, name="bundle_case"),
    path("lien-thong/ho-so/<str:code>/thanh-toan/", views.bundle_pay, name="bundle_pay"),
]
