"""Signed e-results (kết quả giải quyết điện tử): issue them once, check any copy later.

    result = issue_result(dossier, approver, expected_version=dossier.version)
    report = verify_result(uploaded_bytes)   # valid signature? one of ours? which dossier?

`issue_result` renders the result document (core/pdf_base.html: agency block, motto, the
approver's "Ký số bởi" block, the QR of `/xac-thuc/<code>/`), signs it (PAdES) with the
approver's certificate through `core.signing.get_signer`, and then, in ONE transaction, takes the
`issue_result` transition (history, audit, event, notifications), stores the file and the
`DossierResult` row, and puts the result into the applicant's data store. Any failure leaves
no transition, no row, no store item, and deletes the file it wrote. Rendering and signing happen
before the transaction (they touch no table), so the database is not locked while a key signs.

Who may issue is decided by `services` alone: before spending a signature, the transition is
checked with `services.allowed_actions`; when it is not allowed, `services.perform` is asked to
take it without a result, which raises the precise refusal (stale version, wrong state, not
approved, already issued, not an approver of the handling agency) and writes nothing.

`verify_result` = `core.signing.verify_pdf` + the question "did motcua issue this?": an exact
SHA-256 match with a `DossierResult` (ours, unmodified), or else a match of the signature's
signed digest (CMS messageDigest) with one we made (ours, but the file was changed after
signing). See docs/adr/0009-papers-and-results.md.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from motcua.core.pdf import SignatureBlock, place_date, render_html, render_pdf
from motcua.core.signing import Verification, get_signer, verify_pdf
from motcua.people import datastore

from . import services
from .models import Dossier, DossierResult
from .papers import place_of, verification_url

logger = logging.getLogger(__name__)

RESULT_TEMPLATE = "dossiers/result.html"
#: The data-store item's kind.
STORE_KIND = "result"


def store_source(dossier: Dossier) -> str:
    return f"dossier:{dossier.code}"


def officer_name(user) -> str:
    return (getattr(user, "full_name", "") or user.get_username()).strip()


def result_title(dossier: Dossier) -> tuple[str, str]:
    """(title, result code) from the procedure version's first declared result, else a generic title."""
    results = dossier.procedure_version.results or []
    first = results[0] if results and isinstance(results[0], dict) else {}
    title = " ".join(str(first.get("name") or "").split())
    code = str(first.get("code") or "").strip()
    if not title:
        title = f"Kết quả giải quyết thủ tục {dossier.procedure.name}"
    return title[:300], code[:40]


def result_data(dossier: Dossier, title: str, code: str) -> dict:
    """The structured data of the result: what the data store keeps for reuse."""
    decided = timezone.localtime(dossier.finished_at) if dossier.finished_at else None
    return {
        "dossier_code": dossier.code,
        "applicant_name": dossier.applicant_name,
        "applicant_id_number": dossier.applicant_id_number,
        "applicant_kind": dossier.applicant_kind,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "result_title": title,
        "result_code": code,
        "decision_date": decided.date().isoformat() if decided else "",
        "agency_code": dossier.handling_agency.code,
        "agency_name": dossier.handling_agency.name,
    }


def result_context(dossier: Dossier, approver, signed_at) -> dict:
    agency = dossier.handling_agency
    title, code = result_title(dossier)
    name = officer_name(approver)
    decided = timezone.localtime(dossier.finished_at) if dossier.finished_at else None
    return {
        "dossier": dossier,
        "agency": agency,
        "agency_parent": agency.parent.name if agency.parent_id else "",
        "agency_name": agency.name,
        "document_number": code,
        "place_date": _place_date(agency, decided or timezone.localtime(signed_at)),
        "document_title": title,
        "result_title": title,
        "result_code": code,
        "decided_at": decided,
        "lookup_url": verification_url(dossier.code),
        "signature": SignatureBlock(
            name=name,
            title=services.actor_title(approver, agency),
            agency=agency.name,
            signed_at=timezone.localtime(signed_at),
        ),
        "recipients": [
            dossier.applicant_name,
            "Kho dữ liệu điện tử của người nộp hồ sơ",
            "Lưu: hồ sơ " + dossier.code,
        ],
    }


def _place_date(agency, moment) -> str:
    return place_date(place_of(agency), moment.date())


def _fresh(dossier: Dossier) -> Dossier:
    return Dossier.objects.select_related(
        "procedure",
        "procedure_version",
        "handling_agency",
        "handling_agency__parent",
        "handling_agency__admin_unit",
    ).get(pk=dossier.pk)


def result_html(dossier: Dossier, approver) -> str:
    """The result document's HTML as it would be signed now (previews, tests)."""
    with translation.override("vi"):
        return render_html(RESULT_TEMPLATE, result_context(_fresh(dossier), approver, timezone.now()))


def _refuse_unless_allowed(dossier: Dossier, approver, expected_version: int) -> None:
    """Raise the services' own refusal when the approver may not issue the result now."""
    allowed = {t.name for t in services.allowed_actions(approver, dossier)}
    if dossier.version == expected_version and "issue_result" in allowed:
        return
    # Without a result, perform() refuses for the real reason, or at worst for the missing file;
    # it writes nothing either way (its own transaction rolls back).
    services.perform(dossier, "issue_result", approver, expected_version=expected_version)
    raise services.NotAllowed("Bạn không có quyền “Ban hành kết quả” đối với hồ sơ này.")  # pragma: no cover


def signed_digest(pdf: bytes) -> str:
    """The messageDigest of the PDF's last signature (hex), or "" when it cannot be read.

    It is the hash of the bytes the signer signed: unchanged when someone alters the file
    afterwards, so a modified copy of one of our results can still be recognised as ours.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = [s for s in reader.embedded_signatures if s.sig_object_type == "/Sig"]
        if not signatures:
            return ""
        latest = max(signatures, key=lambda s: s.signed_revision)
        digest = find_unique_cms_attribute(latest.signer_info["signed_attrs"], "message_digest").native
        return bytes(digest).hex()
    except Exception:  # a damaged file: nothing to recognise
        logger.debug("signed_digest: unreadable signature", exc_info=True)
        return ""


def issue_result(dossier: Dossier, approver, *, expected_version: int | None = None) -> DossierResult:
    """Render, sign and issue the dossier's result as `approver`; see the module docstring."""
    dossier = _fresh(dossier)
    expected = dossier.version if expected_version is None else expected_version
    _refuse_unless_allowed(dossier, approver, expected)

    agency = dossier.handling_agency
    name = officer_name(approver)
    title, code = result_title(dossier)
    signed_at = timezone.now()
    with translation.override("vi"):
        pdf = render_pdf(RESULT_TEMPLATE, result_context(dossier, approver, signed_at))
    signer = get_signer(name, agency.name)
    signed = signer.sign_pdf(
        pdf, reason=f"Ban hành kết quả giải quyết hồ sơ {dossier.code}", signer_name=name
    )
    sha256 = hashlib.sha256(signed).hexdigest()

    data = result_data(dossier, title, code)
    result = DossierResult(
        dossier=dossier,
        title=title,
        result_code=code,
        sha256=sha256,
        signed_by=name,
        signed_at=signed_at,
        data={**data, "signature": {"message_digest": signed_digest(signed), "sha256": sha256}},
    )
    written = None
    try:
        with transaction.atomic():
            services.perform(dossier, "issue_result", approver, expected_version=expected, result=result)
            result.file.save(f"{dossier.code}.pdf", ContentFile(signed), save=False)
            written = result.file.name
            result.save()
            datastore.store(
                dossier.applicant_id_number,
                title=title,
                source=store_source(dossier),
                issued_at=signed_at,
                kind=STORE_KIND,
                result_code=code,
                procedure_code=dossier.procedure.code,
                issuer=agency.name,
                document_sha256=sha256,
                data=data,
            )
    except BaseException:
        if written:
            try:
                result.file.storage.delete(written)
            except OSError:  # pragma: no cover — the error that matters is the one being raised
                logger.exception("issue_result: could not delete %s after a failure", written)
        raise
    return result


# --- verification -------------------------------------------------------------------------------


@dataclass
class ResultVerification:
    """What a copy of a document is: its signature check, and whether motcua issued it."""

    verification: Verification
    sha256: str
    #: The result this file is, byte for byte (None: not one of ours, or modified).
    result: DossierResult | None = None
    #: A result whose signature this file carries although its bytes differ (modified after signing).
    claimed: DossierResult | None = None

    @property
    def valid(self) -> bool:
        return self.verification.valid

    @property
    def trusted(self) -> bool:
        return self.verification.trusted

    @property
    def ours(self) -> bool:
        return self.result is not None

    @property
    def modified(self) -> bool:
        """One of our results, changed after it was signed."""
        return self.result is None and self.claimed is not None

    @property
    def matched(self) -> DossierResult | None:
        return self.result or self.claimed

    @property
    def verdict(self) -> str:
        """genuine | modified | foreign | invalid | ours_invalid: what the page shows first."""
        if self.result is not None:
            return "genuine" if self.valid else "ours_invalid"
        if self.claimed is not None:
            return "modified"
        return "foreign" if self.valid else "invalid"

    @property
    def message(self) -> str:
        if self.verdict == "genuine":
            return (
                f"Văn bản hợp lệ: đúng là kết quả “{self.result.title}” của hồ sơ "
                f"{self.result.dossier.code}, do hệ thống ban hành và chưa bị thay đổi."
            )
        if self.verdict == "ours_invalid":
            return (
                f"Tệp trùng khớp với kết quả của hồ sơ {self.result.dossier.code} nhưng chữ ký số hiện không "
                f"được xác nhận: {self.verification.message}"
            )
        if self.verdict == "modified":
            return (
                "Văn bản đã bị thay đổi sau khi ký: không còn khớp với kết quả của hồ sơ "
                f"{self.claimed.dossier.code} mà hệ thống đã ban hành. Không sử dụng bản này."
            )
        if self.verdict == "foreign":
            return (
                "Chữ ký số hợp lệ, nhưng văn bản này không phải là kết quả giải quyết do hệ thống ban hành."
            )
        return "Văn bản không hợp lệ: " + self.verification.message


def verify_result(data: bytes) -> ResultVerification:
    """verify_pdf + whether the file is (or was, before a change) a result motcua issued."""
    if isinstance(data, memoryview | bytearray):
        data = bytes(data)
    verification = verify_pdf(data)
    if not isinstance(data, bytes):
        return ResultVerification(verification=verification, sha256="")
    sha256 = hashlib.sha256(data).hexdigest()
    report = ResultVerification(verification=verification, sha256=sha256)
    report.result = DossierResult.objects.select_related("dossier").filter(sha256=sha256).first()
    if report.result is None and verification.signatures:
        digest = signed_digest(data)
        if digest:
            report.claimed = (
                DossierResult.objects.select_related("dossier")
                .filter(data__signature__message_digest=digest)
                .first()
            )
    return report
