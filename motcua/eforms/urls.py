"""E-form URLs, under /nop-ho-so/ (inside the language prefix)."""

from django.urls import path

from . import views

app_name = "eforms"
urlpatterns = [
    path("ho-so/<int:pk>/trang/<int:index>/", views.page, name="page"),
    path("ho-so/<int:pk>/giay-to/", views.papers, name="papers"),
    path("ho-so/<int:pk>/kiem-tra/", views.check, name="check"),
    path("ho-so/<int:pk>/da-luu/", views.saved, name="saved"),
    path("ho-so/<int:pk>/bien-nhan/", views.receipt, name="receipt"),
    path("ho-so/<int:pk>/to-khai.pdf", views.answers_pdf, name="answers_pdf"),
    path("<str:code>/", views.start, name="start"),
]
