"""Kiểm tra sơ bộ tính đầy đủ (completeness pre-check) of a received dossier, for the officer.

Findings, never decisions: the officer decides.
- missing: a paper the procedure's version requires (counted originals or copies) is not in the dossier;
- unreadable: a scan that is empty, not a PDF/JPEG/PNG, or a PDF without a page;
- mismatch: the applicant's name, ID number or date of birth (form and dossier) disagree with the
  population registry;
- state_holds: a paper the state already holds (the ID card, residence, civil-status records, the
  applicant's data store; NQ 66.7/2025): not to be asked for.
The registry read is of someone else's personal data: audited.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from motcua.audit.services import record as audit_record
from motcua.core.text import fold
from motcua.registries.ports import RegistryUnavailable

#: Papers whose data the state holds (folded name fragments) and the registry that holds it.
STATE_HELD = [
    ("can cuoc", "CSDL quốc gia về dân cư"),
    ("chung minh nhan dan", "CSDL quốc gia về dân cư"),
    ("ho chieu", "CSDL quốc gia về xuất nhập cảnh"),
    ("so ho khau", "CSDL về cư trú"),
    ("xac nhan cu tru", "CSDL về cư trú"),
    ("giay to chung minh noi cu tru", "CSDL về cư trú"),
    ("giay khai sinh", "CSDL hộ tịch điện tử"),
    ("trich luc khai sinh", "CSDL hộ tịch điện tử"),
    ("giay chung nhan ket hon", "CSDL hộ tịch điện tử"),
    ("giay xac nhan tinh trang hon nhan", "CSDL hộ tịch điện tử"),
]
FORM_NAME_KEYS = ("ho_ten", "full_name", "applicant_name", "hoTen")
FORM_BIRTH_KEYS = ("ngay_sinh", "birth_date", "ngaySinh")
#: Readable scans: the file types the intake accepts, by their first bytes.
MAGIC = {b"%PDF": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png"}


@dataclass(frozen=True)
class Finding:
    kind: str  # missing | unreadable | mismatch | state_holds
    subject: str
    detail: str


def _required(version) -> list:
    if version is None:
        return []
    out = []
    for req in version.documents.all():
        group = fold(req.group)
        if (req.originals or req.copies) and "luu y" not in group and "xuat trinh" not in group:
            out.append(req)
    return out


def _key(name: str) -> str:
    return " ".join(fold(name).lstrip("-+* ").split())[:60]


def _held(name: str) -> str:
    folded = fold(name)
    return next((registry for fragment, registry in STATE_HELD if fragment in folded), "")


def _readable(document) -> str:
    """ "" when readable, else why not."""
    try:
        with document.file.open("rb") as handle:
            head = handle.read(1 << 20)
    except (OSError, ValueError):
        return _("không mở được tệp")
    if not head:
        return _("tệp rỗng")
    kind = next((t for magic, t in MAGIC.items() if head.startswith(magic)), "")
    if not kind:
        return _("không phải PDF, JPEG hay PNG")
    pages = head.replace(b"/Type /", b"/Type/").count(b"/Type/Page") - head.replace(
        b"/Type /", b"/Type/"
    ).count(b"/Type/Pages")
    if kind == "application/pdf" and pages <= 0:
        return _("PDF không có trang nào")
    return ""


def _birth(value) -> str:
    text = str(value or "").strip()
    if len(text) == 10 and text[2] == "/" and text[5] == "/":  # dd/mm/yyyy
        return f"{text[6:]}-{text[3:5]}-{text[:2]}"
    return text[:10]


def precheck(dossier, officer, *, registry=None) -> list[Finding]:
    from motcua import registries
    from motcua.people import datastore

    findings: list[Finding] = []
    documents = list(dossier.documents.all())
    given = {d.requirement_id for d in documents if d.requirement_id} | {_key(d.name) for d in documents}
    version = dossier.procedure_version or dossier.procedure.current_version
    store = [fold(i.title) for i in datastore.items_of(dossier.applicant_id_number)]
    for req in _required(version):
        held = _held(req.name) or next(
            ("kho dữ liệu của người nộp" for title in store if title and title in fold(req.name)), ""
        )
        present = req.id in given or _key(req.name) in given
        if held:
            findings.append(
                Finding(
                    "state_holds",
                    req.name[:120],
                    _("Nhà nước đã có (%(registry)s): không yêu cầu nộp.") % {"registry": held},
                )
            )
        elif not present:
            findings.append(Finding("missing", req.name[:120], _("Chưa có trong hồ sơ.")))
    for document in documents:
        if document.file:
            why = _readable(document)
            if why:
                findings.append(Finding("unreadable", document.name[:120], why))
    if dossier.applicant_kind == "citizen":
        registry = registry or registries.get("population")
        try:
            person = registry.person(dossier.applicant_id_number)
        except RegistryUnavailable:
            person = None
            findings.append(Finding("mismatch", "CSDL dân cư", _("Không kết nối được để đối chiếu.")))
        else:
            audit_record("guide.precheck", actor=officer, obj=dossier, data={"registry": "population"})
            form = dossier.form_data or {}
            if person is None:
                findings.append(
                    Finding("mismatch", "Số định danh", _("Không có trong CSDL quốc gia về dân cư."))
                )
            else:
                names = [dossier.applicant_name] + [form[k] for k in FORM_NAME_KEYS if form.get(k)]
                if any(fold(n) != fold(person.full_name) for n in names):
                    findings.append(Finding("mismatch", "Họ tên", _("Khác với CSDL quốc gia về dân cư.")))
                births = [_birth(form[k]) for k in FORM_BIRTH_KEYS if form.get(k)]
                if any(b != person.birth_date.isoformat() for b in births):
                    findings.append(Finding("mismatch", "Ngày sinh", _("Khác với CSDL quốc gia về dân cư.")))
    return findings
