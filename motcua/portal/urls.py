from django.urls import path

from . import mine, opendata, tracking, views

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
    # My page (trang cá nhân), signed in with the national eID.
    path("cua-toi/", mine.home, name="mine"),
    path("cua-toi/ho-so/<str:code>/", mine.dossier, name="mine_dossier"),
    path("cua-toi/ho-so/<str:code>/ket-qua/", mine.result_download, name="mine_result"),
    path("cua-toi/ho-so/<str:code>/danh-gia/", mine.rate, name="mine_rate"),
    path("cua-toi/ho-so/<str:code>/phan-anh/", mine.feedback_new, name="mine_feedback_new"),
    path("cua-toi/ho-so/<str:code>/bo-sung/", mine.supplement, name="mine_supplement"),
    path("cua-toi/phan-anh/", mine.feedback_list, name="mine_feedback_list"),
    path("cua-toi/phan-anh/<str:code>/", mine.feedback_detail, name="mine_feedback"),
    path("cua-toi/kho-du-lieu/", mine.data_store, name="mine_data_store"),
    path("cua-toi/thong-bao/", mine.notifications, name="mine_notifications"),
]
# Open data (dữ liệu mở): public figures without personal data (opendata.py).
urlpatterns += opendata.urlpatterns
