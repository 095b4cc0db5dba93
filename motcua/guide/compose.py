"""Compose an answer from the structured fields of a procedure record (soạn câu trả lời).

Every line is copied from one field of the record's current version, as printed, and cites it;
nothing is paraphrased here (an optional LLM may rephrase afterwards, see llm.py). `sources()`
gives, per field, the record's own text the number check compares the lines with.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from motcua.catalog.models import Channel, OnlineLevel, Procedure, ProcedureVersion
from motcua.core.text import fold

#: How much of a long field an answer shows; the procedure page has the rest.
MAX_PAPERS = 8
MAX_LEGAL = 8
MAX_STEPS = 4
MAX_CHARS = 320

FIELD_TITLES = {
    "papers": gettext_noop("Giấy tờ cần chuẩn bị"),
    "fees": gettext_noop("Phí, lệ phí"),
    "time": gettext_noop("Thời hạn giải quyết"),
    "where": gettext_noop("Nơi nộp, cơ quan giải quyết"),
    "online": gettext_noop("Nộp trực tuyến"),
    "conditions": gettext_noop("Điều kiện"),
    "result": gettext_noop("Kết quả nhận được"),
    "legal_basis": gettext_noop("Căn cứ pháp lý"),
    "steps": gettext_noop("Các bước thực hiện"),
}


@dataclass
class Section:
    field: str
    title: str
    lines: list[str]
    #: Per line, the record's own text it was copied from (what the number check compares it with).
    origins: list[str] = field(default_factory=list)


@dataclass
class Composed:
    code: str
    name: str
    version: int | None
    decision: str
    published: str
    sections: list[Section] = field(default_factory=list)
    form_url: str = ""

    @property
    def header(self) -> str:
        if self.version is None:
            return f"{self.name} (mã {self.code})"
        return f"{self.name} (mã {self.code}, phiên bản {self.version})"

    @property
    def footer(self) -> str:
        if self.version is None:
            return ""
        parts = []
        if self.decision:
            parts.append(f"Công bố theo Quyết định {self.decision}")
        if self.published:
            parts.append(f"dữ liệu cập nhật ngày {self.published}")
        return "; ".join(parts) + "." if parts else ""

    def text(self) -> str:
        out = [self.header]
        for section in self.sections:
            out.append("")
            out.append(f"{section.title}:")
            out += [f"- {line}" for line in section.lines]
        if self.footer:
            out += ["", f"Nguồn: {self.footer}"]
        return "\n".join(out)


def _clip(text: str, limit: int = MAX_CHARS) -> str:
    """At most `limit` characters, cut between words (a number is never cut in half)."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


def _channels(methods, text_of) -> list[tuple[str, str]]:
    """One line per distinct text, naming the channels that share it (copied as printed)."""
    groups: dict[str, list[str]] = {}
    for method in methods:
        groups.setdefault(text_of(method), []).append(Channel(method.channel).label)
    return [(f"{', '.join(channels)}: {text}", text) for text, channels in groups.items() if text]


def _papers(version: ProcedureVersion) -> list[tuple[str, str]]:
    docs = [d for d in version.documents.all() if "luu y" not in fold(d.group)]
    counted = [d for d in docs if d.originals or d.copies] or docs
    lines, group = [], None
    for doc in counted[:MAX_PAPERS]:
        if doc.group and doc.group != group:
            group = doc.group
            lines.append((_clip(doc.group.strip("*: ")), doc.group))
        counts = []
        if doc.originals:
            counts.append(f"{doc.originals} bản chính")
        if doc.copies:
            counts.append(f"{doc.copies} bản sao")
        name = _clip(doc.name.lstrip("-+ "))
        origin = f"{doc.name} {doc.originals} {doc.copies} {doc.form_template}"
        lines.append((f"{name} ({', '.join(counts)})" if counts else name, origin))
    if len(counted) > MAX_PAPERS:
        lines.append((_("… và các giấy tờ khác trên trang thủ tục."), ""))
    return lines


def _where(procedure: Procedure, version: ProcedureVersion) -> list[tuple[str, str]]:
    lines = []
    for label, value in [
        ("Cơ quan thực hiện", version.implementing_agency),
        ("Cơ quan có thẩm quyền", version.competent_agency),
        ("Địa chỉ tiếp nhận", version.receiving_address),
    ]:
        if value.strip():
            lines.append((f"{label}: {_clip(value)}", value))
    if procedure.level_labels:
        lines.append((f"Cấp thực hiện: {', '.join(procedure.level_labels)}", ""))
    return lines


def _online(procedure: Procedure, methods) -> list[tuple[str, str]]:
    channels = [Channel(m.channel).label for m in methods]
    lines = []
    if procedure.online_level != OnlineLevel.UNKNOWN:
        lines.append(f"Mức độ dịch vụ công trực tuyến: {OnlineLevel(procedure.online_level).label}")
    if channels:
        lines.append(f"Cách thức nộp: {', '.join(dict.fromkeys(channels))}")
    if Channel.ONLINE not in {m.channel for m in methods}:
        lines.append("Bản ghi không nêu cách nộp trực tuyến.")
    return [(line, "") for line in lines]


def _legal(version: ProcedureVersion) -> list[tuple[str, str]]:
    lines = []
    for doc in version.legal_basis[:MAX_LEGAL]:
        number, title = doc.get("number", ""), doc.get("title", "")
        lines.append((_clip(f"{number} {title}".strip()) if title else number, f"{number} {title}"))
    if len(version.legal_basis) > MAX_LEGAL:
        lines.append((_("… và các văn bản khác trên trang thủ tục."), ""))
    return [line for line in lines if line[0]]


def _field_lines(
    name: str, procedure: Procedure, version: ProcedureVersion, methods
) -> list[tuple[str, str]]:
    """(line, the record's text it is copied from) pairs for one field."""
    if name == "papers":
        return _papers(version)
    if name == "fees":
        return [
            (line, f"{origin} " + " ".join(" ".join(map(str, m.fee_amounts)) for m in methods))
            for line, origin in _channels(methods, lambda m: _clip(m.fee_text) or m.get_fee_status_display())
        ]
    if name == "time":
        return [
            (line, f"{origin} " + " ".join(f"{m.processing_time_text} {m.time_display}" for m in methods))
            for line, origin in _channels(methods, lambda m: _clip(m.processing_time_text) or m.time_display)
        ]
    if name == "where":
        return _where(procedure, version)
    if name == "online":
        return _online(procedure, methods)
    if name == "conditions":
        return [(_clip(version.conditions, 600), version.conditions)] if version.conditions.strip() else []
    if name == "result":
        names = [(r["name"], r["name"]) for r in version.results if r.get("name")]
        return names or (
            [(_clip(version.result_text), version.result_text)] if version.result_text.strip() else []
        )
    if name == "legal_basis":
        return _legal(version)
    if name == "steps":
        return [(_clip(step.lstrip("-+ ")), step) for step in version.steps[:MAX_STEPS] if step.strip()]
    raise ValueError(name)


def compose(procedure: Procedure, fields: list[str], form_url: str = "") -> Composed:
    """The sections asked for, from the procedure's current version. A field the record leaves
    empty says so instead of guessing."""
    version = procedure.current_version
    composed = Composed(
        code=procedure.code,
        name=procedure.name,
        version=version.number if version else None,
        decision=version.decision_no if version else "",
        published=f"{version.imported_at:%d/%m/%Y}" if version else "",
        form_url=form_url,
    )
    if version is None:
        return composed
    methods = list(version.methods.all())
    for name in fields:
        pairs = _field_lines(name, procedure, version, methods)
        if not pairs:
            pairs = [(_("Bản ghi thủ tục không có thông tin này."), "")]
        composed.sections.append(
            Section(name, _(FIELD_TITLES[name]), [p[0] for p in pairs], [p[1] for p in pairs])
        )
    return composed


def sources(procedure: Procedure) -> dict[str, str]:
    """Per cited field, the record's own text: what the number check accepts numbers from."""
    version = procedure.current_version
    head = f"{procedure.code} {procedure.name}"
    if version is None:
        return {"procedure": head}
    methods = list(version.methods.all())
    docs = list(version.documents.all())
    return {
        "procedure": f"{head} {version.number} {version.decision_no} {version.imported_at:%d/%m/%Y}",
        "papers": " ".join(f"{d.group} {d.name} {d.originals} {d.copies} {d.form_template}" for d in docs),
        "fees": " ".join(f"{m.fee_text} {' '.join(map(str, m.fee_amounts))}" for m in methods),
        "time": " ".join(f"{m.processing_time_text} {m.time_display}" for m in methods),
        "where": f"{version.implementing_agency} {version.competent_agency} {version.receiving_address}",
        "online": " ".join(m.note for m in methods),
        "conditions": version.conditions,
        "result": f"{version.result_text} {' '.join(r.get('name', '') for r in version.results)}",
        "legal_basis": " ".join(f"{d.get('number', '')} {d.get('title', '')}" for d in version.legal_basis),
        "steps": " ".join(version.steps),
    }
