from django.urls import path

from . import feedback, forecasting, messages, monitoring, payments, precheck, privacy, reports, views

app_name = "backoffice"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("hang/<slug:slug>/", views.queue, name="queue_named"),
    path("hang-loat/", views.bulk, name="bulk"),
    path("dang-nhap/", views.OfficerLoginView.as_view(), name="login"),
    path("dang-nhap/ma-xac-thuc/", views.login_code, name="login_code"),
    path("dang-nhap/dang-ky-ma/", views.login_enrol, name="login_enrol"),
    path("dang-xuat/", views.OfficerLogoutView.as_view(), name="logout"),
    path("ho-so/<str:code>/", views.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<slug:action>/", views.act, name="act"),
    path("ho-so/<str:code>/giay-to/<int:doc_id>/", views.document, name="document"),
    path("ho-so/<str:code>/kiem-tra/", precheck.dossier_precheck, name="dossier_precheck"),
    path("tiep-nhan/", views.reception, name="reception"),
    path("tiep-nhan/da-nhan/<str:code>/", views.reception_done, name="reception_done"),
    path("phan-anh/", feedback.case_list, name="feedback_list"),
    path("phan-anh/<str:code>/", feedback.case_detail, name="feedback"),
    path("phan-anh/<str:code>/<slug:action>/", feedback.case_act, name="feedback_act"),
    # --- fees: counter payments, receipts, reconciliation (payments.py) ---
    path("ho-so/<str:code>/thu-tien/", payments.counter_payment, name="counter_payment"),
    path("ho-so/<str:code>/bien-lai/<str:number>/", payments.payment_receipt, name="payment_receipt"),
    path("doi-soat/", payments.reconciliation, name="reconciliation"),
    path("doi-soat/dong/<int:pk>/", payments.resolve_line, name="reconciliation_resolve"),
]
# --- the exchange message log (messages.py), monitoring dashboards and targets (monitoring.py),
# monthly reports (reports.py) ---
urlpatterns += messages.urlpatterns + monitoring.urlpatterns + reports.urlpatterns
urlpatterns += forecasting.urlpatterns  # demand forecasts beside officer capacity (issue 15)
urlpatterns += privacy.urlpatterns  # data-subject requests (issue 17, ADR 0039)
