"""Issue 13 item 3: a dossier without a legal time is flagged on the officer's screens, not "Hẹn trả —"."""

import pytest
from django.urls import reverse

from motcua.backoffice import queues
from motcua.catalog.models import SubmissionMethod, TimeUnit

pytestmark = pytest.mark.django_db
FLAG = "Chưa có thời hạn luật định"


def test_the_queue_and_the_dossier_page_flag_a_dossier_without_a_legal_time(
    make_dossier, procedure, people, as_user
):
    timed = make_dossier()
    SubmissionMethod.objects.filter(version=procedure.current_version).update(
        time_amount=None, time_unit=TimeUnit.UNKNOWN, processing_time_text="Không có thông tin"
    )
    untimed = make_dossier()
    assert timed.due_at is not None and untimed.due_at is None
    client = as_user(people["reception"])
    response = client.get(reverse("backoffice:queue_named", args=[queues.UNIT]))
    rows = {row["code"]: row for row in response.context["rows"]}
    assert rows[untimed.code]["no_legal_time"] and not rows[timed.code]["no_legal_time"]
    assert rows[untimed.code]["countdown"].text == FLAG
    page = response.content.decode()
    assert page.count(FLAG) >= 2  # the due column and the countdown, for the one dossier
    # The table's lines are written by views.ROW_HTML: the badge and the "not assigned" hint as before.
    assert f'<td class="when"><span class="badge badge-warn">{FLAG}</span></td>' in page
    assert '<td><span class="hint">chưa phân công</span></td>' in page
    detail = client.get(reverse("backoffice:dossier", kwargs={"code": untimed.code})).content.decode()
    assert FLAG in detail
    assert FLAG not in client.get(reverse("backoffice:dossier", kwargs={"code": timed.code})).content.decode()
