"""An administrator completes a procedure's details (bổ sung chi tiết thủ tục) — the service.

A procedure known only from the province's list (`details_pending`, ADR 0028) — or any procedure an
administrator must correct before the national database does — gets a new version written from a
form: papers, channels with their legal time and fee, steps, conditions, result, legal basis. The
old version is kept (dossiers point at theirs), the flag is cleared, the agencies are linked and
the change is audited, in one transaction. The form (admin) only checks and shapes the input.
"""

from __future__ import annotations

from django import forms
from django.db import transaction

from motcua.audit import services as audit

from . import parsing
from .importer import CatalogImporter
from .models import ADMIN_SOURCE_PREFIX, Channel, Level, Procedure

CHANNEL_NAMES = {
    Channel.ONLINE: "Trực tuyến",
    Channel.COUNTER: "Trực tiếp",
    Channel.POST: "Dịch vụ bưu chính",
}
LEVEL_NAMES = {
    Level.MINISTRY: "Cấp bộ",
    Level.PROVINCE: "Cấp tỉnh",
    Level.COMMUNE: "Cấp xã",
    Level.OTHER: "Cơ quan khác",
}


def complete_procedure(procedure: Procedure, record: dict, actor) -> tuple[str, list[str]]:
    """Write `record` (the importer's shape) as the procedure's new version; (outcome, what changed)."""
    source = f"{ADMIN_SOURCE_PREFIX}{actor.get_username()}"[:120]
    with transaction.atomic():
        importer = CatalogImporter()
        was_pending = procedure.details_pending
        outcome, procedure, changes = importer.apply_record({**record, "code": procedure.code}, source)
        importer.link_agencies([procedure.pk])
        audit.record(
            "catalog.procedure.completed",
            actor=actor,
            obj=procedure,
            data={
                "outcome": outcome,
                "version": procedure.current_version.number,
                "changed": changes,
                "was_pending": was_pending,
            },
        )
    return outcome, changes


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CompletionForm(forms.Form):
    """Bổ sung chi tiết thủ tục: one text box per part of the national record's page."""

    name = forms.CharField(label="Tên thủ tục", max_length=2000)
    field_name = forms.CharField(label="Lĩnh vực", max_length=255)
    levels = forms.MultipleChoiceField(
        label="Cấp thực hiện", choices=Level.choices, widget=forms.CheckboxSelectMultiple
    )
    decision_no = forms.CharField(label="Quyết định công bố", max_length=255, required=False)
    competent_agency = forms.CharField(label="Cơ quan có thẩm quyền", max_length=1000, required=False)
    implementing_agency = forms.CharField(label="Cơ quan thực hiện", max_length=1000)
    receiving_address = forms.CharField(label="Nơi tiếp nhận", max_length=1000, required=False)
    steps = forms.CharField(label="Trình tự thực hiện (mỗi bước một dòng)", widget=forms.Textarea)
    documents = forms.CharField(
        label="Thành phần hồ sơ (mỗi giấy tờ một dòng: tên | số bản chính | số bản sao)",
        widget=forms.Textarea,
    )
    requirements = forms.CharField(label="Yêu cầu, điều kiện", widget=forms.Textarea, required=False)
    result = forms.CharField(label="Kết quả", max_length=2000)
    legal_basis = forms.CharField(
        label="Căn cứ pháp lý (mỗi văn bản một dòng: số hiệu | tên văn bản)", widget=forms.Textarea
    )
    online_time = forms.CharField(label="Trực tuyến: thời hạn (vd. 5 ngày làm việc)", required=False)
    online_fee = forms.CharField(label="Trực tuyến: phí, lệ phí (vd. Miễn phí; 50.000 đồng)", required=False)
    counter_time = forms.CharField(label="Trực tiếp: thời hạn", required=False)
    counter_fee = forms.CharField(label="Trực tiếp: phí, lệ phí", required=False)
    post_time = forms.CharField(label="Bưu chính: thời hạn", required=False)
    post_fee = forms.CharField(label="Bưu chính: phí, lệ phí", required=False)

    def clean(self):
        data = super().clean()
        methods = []
        for channel in (Channel.ONLINE, Channel.COUNTER, Channel.POST):
            time_text = (data.get(f"{channel}_time") or "").strip()
            fee_text = (data.get(f"{channel}_fee") or "").strip()
            if not time_text and not fee_text:
                continue
            amount, _unit = parsing.parse_processing_time(time_text).value
            if not time_text or amount is None:
                self.add_error(f"{channel}_time", "Ghi thời hạn có số và đơn vị, ví dụ: 5 ngày làm việc.")
                continue
            fee = parsing.parse_fee(fee_text, None)
            if not fee_text or not fee.ok:
                self.add_error(
                    f"{channel}_fee", "Ghi “Miễn phí” hoặc số tiền kèm “đồng”, ví dụ: 50.000 đồng."
                )
                continue
            methods.append(
                {
                    "channel": CHANNEL_NAMES[channel],
                    "processing_time": time_text,
                    "fee": fee_text,
                    "fee_vnd": [],
                }
            )
        if not methods and not self.errors:
            self.add_error("online_time", "Ghi ít nhất một cách thức nộp với thời hạn và phí, lệ phí.")
        documents = []
        for number, line in enumerate(_lines(data.get("documents", "")), start=1):
            parts = [p.strip() for p in line.split("|")]
            counts = parts[1:3] + ["0"] * (3 - len(parts))
            if not parts[0] or len(parts) > 3 or not all(c.isdigit() and int(c) < 100 for c in counts[:2]):
                self.add_error(
                    "documents", f"Dòng {number}: ghi “tên | số bản chính | số bản sao” (số từ 0 đến 99)."
                )
                continue
            documents.append(
                {"name": parts[0], "copies_original": int(counts[0]), "copies_copy": int(counts[1])}
            )
        legal_basis = []
        for line in _lines(data.get("legal_basis", "")):
            number, _, title = (p.strip() for p in line.partition("|"))
            legal_basis.append({"number": number[:120], "title": title[:1000]})
        data["record"] = {
            "name": data.get("name", ""),
            "field": data.get("field_name", ""),
            "levels": [LEVEL_NAMES[Level(v)] for v in data.get("levels") or []],
            "decision_no": data.get("decision_no", ""),
            "competent_agency": data.get("competent_agency", ""),
            "implementing_agency": data.get("implementing_agency", ""),
            "receiving_address": data.get("receiving_address", ""),
            "steps": "\n".join(
                line if line.lower().startswith("bước") else f"Bước {i}: {line}"
                for i, line in enumerate(_lines(data.get("steps", "")), start=1)
            ),
            "requirements": data.get("requirements", ""),
            "result": data.get("result", ""),
            "submission_methods": methods,
            "documents": documents,
            "legal_basis": legal_basis,
        }
        return data

    @classmethod
    def initial_for(cls, procedure: Procedure) -> dict:
        """What the procedure already says (for a list-only one: name, field, levels, decision)."""
        version = procedure.current_version
        initial = {
            "name": procedure.name,
            "field_name": procedure.field.name if procedure.field else "",
            "levels": procedure.levels,
        }
        if version is None:
            return initial
        methods = {m.channel: m for m in version.methods.all()}
        initial |= {
            "decision_no": version.decision_no,
            "competent_agency": version.competent_agency,
            "implementing_agency": version.implementing_agency,
            "receiving_address": version.receiving_address,
            "steps": "\n".join(version.steps),
            "requirements": version.conditions,
            "result": version.result_text,
            "documents": "\n".join(f"{d.name} | {d.originals} | {d.copies}" for d in version.documents.all()),
            "legal_basis": "\n".join(
                f"{b.get('number', '')} | {b.get('title', '')}".rstrip(" |") for b in version.legal_basis
            ),
        }
        for channel, method in methods.items():
            initial[f"{channel}_time"] = method.processing_time_text
            initial[f"{channel}_fee"] = method.fee_text
        return initial
