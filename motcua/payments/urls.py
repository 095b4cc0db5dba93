"""The citizen's payment pages and the gateways' callbacks (/thanh-toan/…)."""

from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("thong-bao/<str:gateway>/", views.notify, name="notify"),
    path("<str:code>/", views.pay, name="pay"),
    path("<str:code>/tra-ve/", views.returned, name="returned"),
    path("<str:code>/vietqr/<str:reference>/", views.vietqr_page, name="vietqr"),
    path("<str:code>/bien-lai/<str:number>/", views.receipt, name="receipt"),
]
