"""One definition of "reused data" (tái sử dụng dữ liệu) for the QĐ 766 index and the portal record.

Spec §1.2 (indicator 4.3, `REUSED_DIGITIZED_DATA`) and issue 13 item 11: a paper is *reused* when it
was taken from data instead of being handed in: from the applicant's data store (kho dữ liệu, which
also holds the e-results of earlier dossiers) or looked up in a registry (CSDL dân cư, hộ tịch…). A
paper that an officer *scanned* at reception is digitised (`DuocSoHoa`, indicator 4.2), not reused.

`DossierDocument.reused` is set only where a paper is taken from data (the e-form's registry lookup
or data-store pick, the inbound portal record's DuocTaiSuDung / DuocLayTuKhoDMQG); `digitised` is the
scan. Both the index (`motcua.insights.queries.static_conditions`) and the national-portal record
(`motcua.sync.records.dossier_record`) read the flags through this module only, so the province and
the nation see the same figure.
"""

from django.db.models import Q

#: How the e-form names a paper taken from the applicant's data store (eforms.services): "… (kho dữ
#: liệu: <title>)". The registry lookups read "… (tra cứu từ <registry>)".
DATA_STORE_MARK = "(kho dữ liệu:"

#: Over `DossierDocument`: the paper was taken from data (data store, registry, earlier result).
REUSED = Q(reused=True)
#: Over `DossierDocument`: the paper came from the applicant's data store on the portal (4.4,
#: `DuocLayTuKhoDMQG`).
FROM_DATA_STORE = Q(reused=True, name__contains=DATA_STORE_MARK)


def is_reused(document) -> bool:
    """DuocTaiSuDung: taken from data. A scan alone (`digitised`) is never reuse."""
    return bool(document.reused)


def is_from_data_store(document) -> bool:
    """DuocLayTuKhoDMQG: taken from the applicant's data store."""
    return bool(document.reused) and DATA_STORE_MARK in (document.name or "")


def dossier_reuses(documents) -> bool:
    """HoSoCoThanhPhanSoHoa (as the index counts 4.3): at least one paper taken from data."""
    return any(is_reused(d) for d in documents)
