"""The payments service's way into the dossier lifecycle, and counter payments recorded by officers."""

import pytest

from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import DossierHistory, Status
from motcua.payments import services
from motcua.payments.models import Payment
from motcua.people.models import DataStoreItem


def test_confirm_payment_moves_the_dossier_back_to_processing(financial):
    dossier = financial(amount=150000)
    version = dossier.version
    dossier = dossier_services.confirm_payment(dossier, amount=150000, reference="BL-1")
    assert (dossier.status, dossier.fee_paid, dossier.version) == (Status.PROCESSING, 150000, version + 1)
    entry = DossierHistory.objects.get(dossier=dossier, action="mark_paid")
    assert entry.actor_title == "Hệ thống" and entry.data["reference"] == "BL-1"


def test_confirm_payment_refuses_too_little_and_the_wrong_state(financial, make_dossier):
    dossier = financial(amount=150000)
    with pytest.raises(dossier_services.InvalidInput):
        dossier_services.confirm_payment(dossier, amount=100000, reference="x")
    dossier.refresh_from_db()
    assert dossier.status == Status.FINANCIAL
    with pytest.raises(dossier_services.WrongState):
        dossier_services.confirm_payment(make_dossier(), amount=0, reference="x")


def test_the_system_actor_may_take_no_other_transition(financial):
    dossier = financial()
    with pytest.raises(dossier_services.NotAllowed):
        dossier_services.perform(dossier, "request_withdrawal", dossier_services.PAYMENTS_SYSTEM)


def test_counter_payment_is_one_record_with_a_receipt_and_moves_the_dossier(financial, people):
    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    payment = services.record_counter_payment(
        charge, people["reception"], method="card", reference="POS 0042"
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.PROCESSING
    assert payment.receipt_file and DataStoreItem.objects.filter(kind="fee_receipt").count() == 1
    with pytest.raises(services.PaymentError, match="đã được nộp"):
        services.record_counter_payment(charge, people["reception"], method="cash", reference="Q1-0001")
    with pytest.raises(services.PaymentError, match="đã được nộp"):
        services.start_payment(charge, "national", idempotency_key="late-online")
    assert Payment.objects.count() == 1


def test_counter_payment_needs_a_reference_and_a_reception_officer(financial, people):
    dossier = financial()
    [charge] = services.open_charges(dossier)
    with pytest.raises(services.PaymentError, match="số biên lai"):
        services.record_counter_payment(charge, people["reception"], method="cash", reference=" ")
    with pytest.raises(services.PaymentError, match="cán bộ tiếp nhận"):
        services.record_counter_payment(charge, people["other_reception"], method="cash", reference="Q1-1")
    with pytest.raises(services.PaymentError, match="không hợp lệ"):
        services.record_counter_payment(charge, people["reception"], method="bitcoin", reference="Q1-1")
    assert not Payment.objects.exists()


def test_the_fee_receipt_in_the_data_store_reads_as_a_receipt_to_download(client, financial, people):
    from motcua.eid.testing import sign_in_citizen

    dossier = financial(amount=150000)
    [charge] = services.open_charges(dossier)
    payment = services.record_counter_payment(charge, people["reception"], method="cash", reference="Q1-0002")
    sign_in_citizen(client, people["citizen"])
    html = client.get("/cua-toi/kho-du-lieu/").content.decode()
    assert f"payment:{payment.receipt_number}" not in html  # no internal key on the page
    link = f"/thanh-toan/{dossier.code}/bien-lai/{payment.receipt_number}/"
    assert link in html
    assert client.get(link)["Content-Type"] == "application/pdf"
