"""NĐ 224 Điều 19 measures: shown, acted on, dismissed, refused per kind and agency, in the criteria."""

from datetime import date

import pytest
from django.utils import timezone

from motcua.foryou import measures, services
from motcua.foryou.models import Suggestion, TriggerKind

pytestmark = pytest.mark.django_db


def make(person, code, *, shown=True, acted=False, dismissed=False, refused=False):
    services.ensure_kinds()
    kind = TriggerKind.objects.get(code=code)
    now = timezone.now()
    return Suggestion.objects.create(
        person_id=person,
        kind=kind,
        procedure_code=kind.procedures[0],
        agency=kind.agency,
        level=1,
        due=date(2026, 12, 31),
        because="vì …",
        rule_version=1,
        origin="page",
        first_shown_at=now if shown else None,
        acted_at=now if acted else None,
        dismissed_at=now if dismissed else None,
        refused_at=now if refused else None,
    )


def test_counts_per_kind_and_agency_and_the_uptake_in_the_criteria(reference_data):
    make("014200000001", "id_card_renewal", acted=True)
    make("014200000002", "id_card_renewal", dismissed=True)
    make("014200000003", "id_card_renewal")
    make("014200000004", "health_insurance_renewal", refused=True)
    make("014200000005", "health_insurance_renewal", shown=False)  # prepared by the nightly pass, never shown
    data = measures.measures()
    assert data["totals"] == {"shown": 4, "acted": 1, "dismissed": 1, "refused": 1}
    card = next(r for r in data["rows"] if r["kind"] == "id_card_renewal")
    assert (card["agency"], card["shown"], card["acted"], card["dismissed"]) == ("Công an cấp xã", 3, 1, 1)

    from motcua.insights.criteria import measures as criteria

    m = criteria(str(timezone.localdate().year))["measures"]["proactive_uptake"]
    assert (m["numerator"], m["denominator"], m["value"]) == (1, 4, 0.25)
    assert m["refused"] == 1 and m["dismissed"] == 1
    assert {r["code"] for r in m["per_service"]} == {"id_card_renewal", "health_insurance_renewal"}
    # Another year: nothing shown, N/A with the reason.
    m = criteria("2021")["measures"]["proactive_uptake"]
    assert m["status"] == "na" and m["value"] is None
