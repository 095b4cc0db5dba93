"""Issue 13 item 11: one definition of "reused data" for the QĐ 766 index and the portal record.

Reuse = a paper taken from data (data store, registry, earlier result); a scan is digitisation only.
"""

from motcua.dossiers import reuse
from motcua.dossiers.models import DossierDocument
from motcua.insights import queries
from motcua.insights.periods import parse_period
from motcua.sync.records import dossier_record

from .conftest import DEPARTMENT

SEPTEMBER = parse_period("2026-09")


def _record_flags(dossier):
    record = dossier_record(dossier)
    return record["HoSoCoThanhPhanSoHoa"], {
        (p["DuocSoHoa"], p["DuocTaiSuDung"], p["DuocLayTuKhoDMQG"]) for p in record["TaiLieuNop"]
    }


def test_a_scanned_paper_is_digitisation_not_reuse(dataset):
    d1 = dataset.d["d1"]  # two papers, both scanned at reception
    unit = queries.resolve_unit(DEPARTMENT)
    reusing = set(queries.dossiers_behind(SEPTEMBER, unit, "reuse_any").values_list("pk", flat=True))
    assert d1.pk not in reusing
    dossier_level, papers = _record_flags(d1)
    assert dossier_level == 0
    assert papers == {(1, 0, 0)}  # DuocSoHoa, not DuocTaiSuDung
    assert not reuse.dossier_reuses(d1.documents.all())


def test_the_index_and_the_portal_record_agree_on_every_dossier(dataset):
    # a registry lookup (eforms: "… (tra cứu từ …)") on d6 besides the data-store paper of d3
    DossierDocument.objects.create(
        dossier=dataset.d["d6"], name="Giấy khai sinh (tra cứu từ CSDL hộ tịch)", reused=True
    )
    unit = queries.resolve_unit(DEPARTMENT)
    reusing = set(queries.dossiers_behind(SEPTEMBER, unit, "reuse_any").values_list("pk", flat=True))
    from_store = set(queries.dossiers_behind(SEPTEMBER, unit, "from_data_store").values_list("pk", flat=True))
    received = queries.dossiers_behind(SEPTEMBER, unit, "received")
    assert received.count() == 8
    for dossier in received:
        record = dossier_record(dossier)
        assert record["HoSoCoThanhPhanSoHoa"] == int(dossier.pk in reusing), dossier.code
        store = any(p["DuocLayTuKhoDMQG"] for p in record["TaiLieuNop"])
        assert store == (dossier.pk in from_store), dossier.code
    assert reusing == {dataset.d["d3"].pk, dataset.d["d6"].pk}
    assert from_store == {dataset.d["d3"].pk}
    assert queries.gather(SEPTEMBER, unit).reuse_any == 2


def test_the_predicate_on_single_papers():
    scan = DossierDocument(name="Tờ khai", digitised=True, reused=False)
    lookup = DossierDocument(name="Giấy khai sinh (tra cứu từ CSDL hộ tịch)", reused=True)
    store = DossierDocument(name="Bằng (kho dữ liệu: Bằng 2020)", reused=True)
    assert [reuse.is_reused(d) for d in (scan, lookup, store)] == [False, True, True]
    assert [reuse.is_from_data_store(d) for d in (scan, lookup, store)] == [False, False, True]
