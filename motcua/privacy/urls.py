"""URLs of "Dữ liệu của tôi", under /cua-toi/du-lieu/ (inside the language prefix)."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("thong-bao-xu-ly/", views.notice, name="notice"),
    path("tai-ve.json", views.download_json, name="download_json"),
    path("tai-ve.pdf", views.download_pdf, name="download_pdf"),
    path("yeu-cau/", views.new_request, name="new_request"),
    path("yeu-cau/<str:code>/", views.request_detail, name="request"),
]
