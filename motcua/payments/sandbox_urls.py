"""The payment sandboxes (/sandbox/thanh-toan/…): served only when MOTCUA_PAYMENTS_SANDBOX is on."""

from django.urls import path

from . import sandbox

app_name = "payments_sandbox"
urlpatterns = [
    path("cong/", sandbox.national_page, name="national"),
    path("cong/xac-nhan/", sandbox.national_confirm, name="national_confirm"),
    path("cong/truy-van/", sandbox.national_query, name="national_query"),
    path("cong/hoan-tien/", sandbox.national_refund, name="national_refund"),
    path("cong/doi-soat/", sandbox.national_statement, name="national_statement"),
    path("ngan-hang/", sandbox.bank_app, name="bank"),
    path("ngan-hang/chuyen/", sandbox.bank_transfer, name="bank_transfer"),
    path("ngan-hang/hoan-tien/", sandbox.bank_refund, name="bank_refund"),
    path("ngan-hang/sao-ke/", sandbox.bank_statement, name="bank_statement"),
    path("gui-lai/", sandbox.flush_late, name="flush"),
]
