"""Kiểm tra sơ bộ hồ sơ: the completeness pre-check (motcua/guide/precheck.py) on the officer's
dossier, and the legal basis the procedure's version rests on."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.access import access_dossier_for_officer
from motcua.guide.precheck import precheck

from .guards import officer_required

KIND_LABELS = {
    "missing": _("Thiếu giấy tờ"),
    "unreadable": _("Không đọc được"),
    "mismatch": _("Không khớp CSDL dân cư"),
    "state_holds": _("Nhà nước đã có, không yêu cầu nộp"),
}


@officer_required
def dossier_precheck(request, code: str):
    dossier = access_dossier_for_officer(request.user, code)
    findings = precheck(dossier, request.user)
    version = dossier.procedure_version or dossier.procedure.current_version
    return render(
        request,
        "backoffice/precheck.html",
        {
            "d": dossier,
            "findings": [(KIND_LABELS[f.kind], f) for f in findings],
            "problems": sum(f.kind != "state_holds" for f in findings),
            "version": version,
            "legal_basis": version.legal_basis if version else [],
        },
    )
