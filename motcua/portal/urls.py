from django.urls import path

from . import tracking, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedure_list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure_detail"),
    path("tim-kiem/", views.search, name="search"),
    path("tra-cuu/", tracking.lookup, name="lookup"),
    path("tra-cuu/<str:code>/", tracking.lookup, name="lookup_code"),
    path("xac-thuc/", tracking.verify, name="verify"),
    path("xac-thuc/<str:code>/", tracking.verify, name="verify_code"),
]
