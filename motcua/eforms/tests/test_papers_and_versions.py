"""Uploaded papers (checked by content and size), form versions, and two submits at once."""

import json
import shutil
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from motcua.core.testing import minimal_pdf, minimal_png
from motcua.dossiers.models import Dossier
from motcua.eforms import services
from motcua.eforms.models import Draft, FormDefinition

from .conftest import sign_in
from .test_submission import post_page, start

PDF = minimal_pdf()  # real files: uploads are parsed (motcua.core.uploads), not only sniffed
PNG = minimal_png()
RENT = "Thuê, mượn, ở nhờ"


def _to_papers(client, draft, host):
    assert post_page(client, draft, 0, {}).status_code == 302
    response = post_page(
        client,
        draft,
        1,
        {
            "new_address": "Tổ 3, phường Chiềng Lề",
            "residence_basis": RENT,
            "host_id_number": host.id_number,
            "host_full_name": host.full_name,
        },
    )
    assert response["Location"].endswith("/giay-to/"), response.content[:600]
    return reverse("eforms:papers", args=[draft.pk])


@pytest.mark.django_db
def test_a_50_mb_upload_and_a_file_that_is_not_what_it_claims_get_clear_messages(client, forms, people):
    adult = people["adult"]
    sign_in(client, adult)
    draft = start(client, "1.004222")
    url = _to_papers(client, draft, people["widow"])
    big = SimpleUploadedFile("hop-dong.pdf", PDF + b"0" * (50 * 1024 * 1024), "application/pdf")
    response = client.post(url, {"giay_to_cho_o": big})
    assert response.status_code == 400
    assert "lớn hơn 10 MB" in response.content.decode()
    liar = SimpleUploadedFile("hop-dong.pdf", PNG, "application/pdf")
    response = client.post(url, {"giay_to_cho_o": liar})
    assert response.status_code == 400 and "không đúng là tệp PDF" in response.content.decode()
    draft.refresh_from_db()
    assert draft.papers == {} and draft.state == Draft.State.OPEN
    assert draft.answers["residence_basis"] == RENT  # the draft is kept
    # The check refuses to submit without the paper, then accepts a real PDF.
    assert client.post(reverse("eforms:check", args=[draft.pk]))["Location"].endswith("/giay-to/")
    good = SimpleUploadedFile("hop-dong.pdf", PDF, "application/pdf")
    assert client.post(url, {"giay_to_cho_o": good})["Location"].endswith("/kiem-tra/")
    assert client.post(reverse("eforms:check", args=[draft.pk])).status_code == 302
    dossier = Dossier.objects.get(submission_key=str(draft.submission_key))
    uploaded = dossier.documents.get(name__startswith="Giấy tờ chứng minh chỗ ở")
    assert uploaded.content_type == "application/pdf" and uploaded.file.read().startswith(b"%PDF-")


@pytest.mark.django_db
def test_a_changed_file_makes_a_new_version_and_open_drafts_keep_theirs(
    client, forms, people, tmp_path, settings
):
    sign_in(client, people["adult"])
    old = start(client, "2.000635")
    folder = tmp_path / "forms"
    folder.mkdir()
    source = services.forms_dir() / "2.000635.json"
    shutil.copy(source, folder / source.name)
    assert services.load_definitions(folder)[-1] == "Biểu mẫu: mới 0, phiên bản mới 0, không đổi 1."
    data = json.loads(source.read_text())
    data["schema"]["properties"]["copies"]["maximum"] = 5
    (folder / source.name).write_text(json.dumps(data, ensure_ascii=False))
    (folder / "9.999999.json").write_text("{}")
    report = services.load_definitions(folder)
    assert "ĐỔI 2.000635: phiên bản 2" in report
    assert any(line.startswith("BỎ QUA 9.999999.json") for line in report)
    assert FormDefinition.objects.get(procedure__code="2.000635", is_current=True).version == 2
    old.refresh_from_db()
    assert old.definition.version == 1
    again = client.get(reverse("eforms:start", args=["2.000635"]))
    assert again["Location"].startswith(f"/nop-ho-so/ho-so/{old.pk}/")  # resumed on version 1
    Draft.objects.filter(pk=old.pk).update(state=Draft.State.ABANDONED)
    client.get(reverse("eforms:start", args=["2.000635"]))
    assert Draft.objects.latest("pk").definition.version == 2


def _submit_twice_at_once(draft_pk) -> list:
    draft = Draft.objects.get(pk=draft_pk)
    acting = {"kind": "citizen", "name": draft.answers["full_name"], "id_number": draft.acting_for}
    barrier, results = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            results.append(services.submit(Draft.objects.get(pk=draft_pk), acting=acting).dossier.pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_draft_at_once_make_one_dossier(client, live_reference_data, people):
    services.load_definitions()
    adult = people["adult"]
    sign_in(client, adult)
    draft = start(client, "2.000635")
    post_page(client, draft, 0, {})
    assert (
        post_page(
            client,
            draft,
            1,
            {"record_kind": "Khai sinh", "birth_registration_number": "12/2026", "copies": "1"},
        ).status_code
        == 302
    )
    results = _submit_twice_at_once(draft.pk)
    assert len(results) == 2 and all(isinstance(r, int) for r in results), results
    assert results[0] == results[1]
    assert Dossier.objects.filter(applicant_id_index=adult.id_number).count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db
def test_form_pages_take_the_definition_this_process_keeps_and_see_a_new_version(
    client, forms, people, tmp_path
):
    from django.test.utils import CaptureQueriesContext

    sign_in(client, people["adult"])
    draft = start(client, "2.000635")
    page = reverse("eforms:page", args=[draft.pk, 0])
    assert client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    assert not any("eforms_formdefinition" in q["sql"] for q in queries.captured_queries), [
        q["sql"][:200] for q in queries.captured_queries
    ]
    # Each draft gets a copy: a relation read on one (its procedure) is not on the next.
    first = services.definition(draft.definition_id)
    assert first.procedure.code == "2.000635"
    assert not FormDefinition.procedure.is_cached(services.definition(draft.definition_id))
    # A new version loaded in this process is read, and the draft keeps its own.
    folder = tmp_path / "forms"
    folder.mkdir()
    data = json.loads((services.forms_dir() / "2.000635.json").read_text())
    data["title"] = "Tờ khai phiên bản 2"
    (folder / "2.000635.json").write_text(json.dumps(data, ensure_ascii=False))
    assert "ĐỔI 2.000635: phiên bản 2" in services.load_definitions(folder)
    assert services.definition(draft.definition_id).version == 1
    current = services.current_form("2.000635")
    assert services.definition(current.pk).title == "Tờ khai phiên bản 2"
