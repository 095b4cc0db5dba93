"""The assistant (trợ lý ảo): find the procedure, compose the answer from its record, check every
number against the record, or say what is not known and offer a person.

`ask()` is the one entry point of the page, the widget, the API and `motcua ask`.
"""

import logging
import secrets
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.catalog.search import STOP_WORDS, get_index, search_procedures
from motcua.core.money import format_number
from motcua.core.text import fold, tokens

from . import compose as composer
from . import dense, llm, numbers, scope
from . import intents as intent_rules
from .models import Exchange
from .scrub import scrub, without_personal_data

log = logging.getLogger("motcua.guide")

MAX_QUESTION_CHARS = 500
CANDIDATES = 5
#: Below this share of the question's words found in the best procedure's name, the assistant
#: is not sure which procedure is meant: it lists candidates instead of answering (tuned on the
#: dev split of data/guide/questions.csv; see bench/assistant.py).
MIN_COVERAGE = 0.3
#: A best score (BM25 × prior) this low means the words barely matched anything; this high means
#: a strong match even when few of the question's words are in the name.
MIN_SCORE = 6.0
STRONG_SCORE = 20.0
#: Question scaffolding (folded) that names no procedure: removed before the search, longest first.
SCAFFOLDING = sorted(
    [
        "co lam online duoc khong",
        "co lam duoc khong",
        "co duoc khong",
        "co phai",
        "co can",
        "co lam",
        "thi lam the nao",
        "thi lam sao",
        "lam the nao",
        "can chuan bi nhung gi",
        "can chuan bi",
        "cho em hoi",
        "cho toi hoi",
        "cho minh hoi",
        "cho hoi",
        "thi xong",
        "co ket qua",
        "nop ho so",
        "duoc nhan lai giay gi",
        "nhan lai giay gi",
        "nhan lai",
        "la gi",
        "dieu kien de",
        "can giay gi",
        "muon",
        "thi",
        "a",
        "vay",
        "nhe",
    ],
    key=len,
    reverse=True,
)


class GuideError(ValueError):
    """A question the assistant cannot take (empty, too long)."""


@dataclass
class Answer:
    text: str
    abstained: bool
    outcome: str
    procedure: str = ""
    candidates: list[str] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)
    intents: list[str] = field(default_factory=list)
    composed: composer.Composed | None = None
    agency: str = ""
    form_url: str = ""
    token: str = ""
    rephrased: bool = False

    def as_json(self) -> dict:
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "procedure": self.procedure or None,
            "candidates": self.candidates,
            "citations": self.citations,
        }


def _search_text(question: str, intents: list[str]) -> str:
    """The question without the words that say what is asked (lệ phí, bao lâu…): they are not
    the procedure's name, and "lệ phí" would pull "Khai lệ phí trước bạ" up."""
    # Words only: "lệ phí bao nhiêu, mấy ngày" must lose its intent phrases despite the comma.
    # Every phrase is found in the question as written, then all are removed at once, so that
    # removing one cannot make another ("sổ hồng bị mất lệ phí bao nhiêu" keeps "mất").
    words = tokens(question)
    dropped = [False] * len(words)
    for intent in intents:
        for phrase in intent_rules.INTENTS[intent]:
            span = phrase.split()
            for i in range(len(words) - len(span) + 1):
                if words[i : i + len(span)] == span:
                    dropped[i : i + len(span)] = [True] * len(span)
    text = f" {' '.join(w for w, gone in zip(words, dropped, strict=True) if not gone)} "
    for phrase in SCAFFOLDING:
        text = text.replace(f" {phrase} ", " ")
    return text.strip() or question


#: Who a procedure is done for and where one goes name no procedure: "cho bà", "lên xã" are left
#: out of the coverage share (the search still reads them).
BENEFICIARIES = frozenset(
    ["bo", "me", "cha", "ong", "ba", "vo", "chong", "chau", "anh", "chi", "em", "noi", "ngoai", "gia", "minh"]
)
PLACES = frozenset(["xa", "phuong", "huyen", "tinh", "uy", "ban", "ubnd", "cong", "an"])
_GOING = frozenset(["len", "ra", "den", "toi", "o", "tai", "di"])


def _naming_words(words: list[str]) -> list[str]:
    kept, i = [], 0
    while i < len(words):
        word = words[i]
        if word == "cho" and i + 1 < len(words) and words[i + 1] in BENEFICIARIES:
            i += 2
            while i < len(words) and words[i] in BENEFICIARIES:
                i += 1
            continue
        if word in _GOING and i + 1 < len(words) and words[i + 1] in PLACES:
            i += 2
            while i < len(words) and words[i] in PLACES:
                i += 1
            continue
        if word not in STOP_WORDS:
            kept.append(word)
        i += 1
    return kept


def coverage(query: str, code: str) -> float:
    """Share of the query's meaningful words that the procedure's name accounts for: a word in the
    name, a typo of a long name word, or an everyday phrase whose catalog words are in the name."""
    index = get_index()
    try:
        name = set(tokens(index.names[index.codes.index(code)]))
    except ValueError:
        return 0.0
    # Everyday phrases first ("nhập khẩu cho cháu" is one), then who and where are left out.
    words = [w for w in tokens(query) if w not in STOP_WORDS]
    rest, expansions = index._expand(words)
    in_phrases = len(words) - len(rest)
    rest = _naming_words(rest)
    total = in_phrases + len(rest)
    if not total:
        return 0.0
    covered = 0.0
    if expansions:
        hit = sum(sum(w in name for w in e) / len(e) >= 0.5 for e in expansions) / len(expansions)
        covered += in_phrases * hit
    pairs = set(
        zip(
            tokens(index.names[index.codes.index(code)]),
            tokens(index.names[index.codes.index(code)])[1:],
            strict=False,
        )
    )
    for i, word in enumerate(rest):
        if len(word) <= 2:  # "an", "ba": too common alone; counts inside a pair of the name
            neighbours = {
                (rest[i - 1], word) if i else None,
                (word, rest[i + 1]) if i + 1 < len(rest) else None,
            }
            covered += bool(neighbours & pairs)
        else:
            covered += word in name or (len(word) >= 4 and index._correct(word) in name)
    return covered / total


def confident(query: str, best) -> bool:
    """Sure enough of the best procedure to answer with it."""
    if best.score < MIN_SCORE:
        return False
    return best.score >= STRONG_SCORE or coverage(query, best.code) >= MIN_COVERAGE


#: A procedure known only by name gives way to a detailed one scoring at least this share of it.
DETAILED_MARGIN = 0.8


def search(query: str, limit: int = 10, question: str = "") -> list:
    """The catalog search underneath, with two additions: given the question, the dense stage
    re-orders the first hits when it is on (`dense.rerank`, ADR 0052); and among the best three, a
    procedure whose details the catalog holds goes before one known only by name when it scores
    close (a name-only row is often the same procedure under the province's older code). (A
    re-rank by how much of the question each name accounts for made the dev split worse: not
    kept.)"""
    hits = search_procedures(query, limit=max(limit, dense.POOL) if question else limit)
    if question:
        hits = dense.rerank(question, hits)[:limit]
    if len(hits) < 2:
        return hits
    pending = set(
        Procedure.objects.filter(code__in=[h.code for h in hits[:3]], details_pending=True).values_list(
            "code", flat=True
        )
    )
    if hits[0].code not in pending:
        return hits
    better = next(
        (h for h in hits[1:3] if h.code not in pending and h.score >= hits[0].score * DETAILED_MARGIN), None
    )
    return [better, *[h for h in hits if h is not better]] if better else hits


def ranked(question: str, limit: int = 10) -> list[str]:
    """The procedures the assistant considers for a question, best first."""
    clean = without_personal_data(question)
    query = _search_text(clean, intent_rules.detect(question))
    return [h.code for h in search(query, limit, question=clean)]


def _form_url(procedure: Procedure) -> str:
    if not procedure.form_definitions.filter(is_current=True).exists():
        return ""
    try:
        return reverse("eforms:start", args=[procedure.code])
    except NoReverseMatch:
        return ""


def _line_fails(section: composer.Section, i: int, question: str) -> list[str]:
    """Numbers of one line that neither the record's text it was copied from nor the question prints."""
    origin = section.origins[i] if i < len(section.origins) else ""
    return numbers.unsupported(section.lines[i], [origin, question])


def check(composed: composer.Composed, procedure: Procedure, question: str) -> list[str]:
    """The numbers of the composed answer that the record does not print where the answer says it
    does (empty: it passes). Each line is checked against its own origin in the record (one paper,
    one legal document, one channel's fee), so a changed number that appears elsewhere in the
    record is still caught."""
    version = procedure.current_version
    head = f"{procedure.code} {procedure.name}"
    if version is not None:
        head += f" {version.number} {version.decision_no} {version.imported_at:%d/%m/%Y}"
    bad = numbers.unsupported(composed.header + " " + composed.footer, [head, question])
    for section in composed.sections:
        for i in range(len(section.lines)):
            bad += _line_fails(section, i, question)
    return bad


def _sector_agency(codes: list[str]) -> str:
    """The agency of the sector of the closest procedures, when they are known only by name and
    agree on it ("" otherwise)."""
    rows = Procedure.objects.filter(code__in=codes).select_related("field", "current_version")
    agencies = {
        scope.agency_for_field(p.field.name if p.field else "")
        for p in rows
        if p.current_version is None or getattr(p, "details_pending", False)
    }
    agencies.discard("")
    return agencies.pop() if len(agencies) == 1 else ""


#: An out-of-scope phrase gives way when the rest of the question names a detailed procedure this
#: well (share of its words the name accounts for): "thế chấp sổ đỏ vay ngân hàng" is about the
#: mortgage registration, not the bank (tuned on the dev split; see bench/assistant.py).
OUT_OF_SCOPE_OVERRIDE = 0.7


def _names_a_procedure_besides(question: str, phrase: str, asked: list[str]) -> bool:
    """Whether the question, without the out-of-scope phrase, still names a procedure the catalog
    holds in detail, confidently and covering most of its words."""
    rest = f" {' '.join(tokens(without_personal_data(question)))} ".replace(f" {phrase} ", " ")
    query = _search_text(rest, asked)
    if query == rest and not rest.strip():
        return False
    hits = search(query, limit=3, question=rest)
    if not hits or not confident(query, hits[0]):
        return False
    # The name must account for the whole question (the phrase included), not only for the rest.
    whole = _search_text(without_personal_data(question), asked)
    if coverage(whole, hits[0].code) < OUT_OF_SCOPE_OVERRIDE:
        return False
    return Procedure.objects.filter(
        code=hits[0].code, current_version__isnull=False, details_pending=False
    ).exists()


def _held_by_name(question: str, phrases: list[str], asked: list[str]) -> bool:
    """Whether the procedure the question finds first is one the catalog holds in detail, whose name
    says every out-of-scope phrase of the question and accounts for most of its words ("bán thuốc
    trừ sâu" is "buôn bán thuốc bảo vệ thực vật"): the catalog holds it, the phrase list does not
    decide."""
    clean = without_personal_data(question)
    query = _search_text(clean, asked)
    hits = search(query, limit=1, question=clean)
    if not hits or not confident(query, hits[0]) or coverage(query, hits[0].code) < OUT_OF_SCOPE_OVERRIDE:
        return False
    name = f" {' '.join(tokens(hits[0].name))} "
    if not all(f" {phrase} " in name for phrase in phrases):
        return False
    return Procedure.objects.filter(
        code=hits[0].code, current_version__isnull=False, details_pending=False
    ).exists()


def _abstain(outcome: str, text: str, *, candidates=(), intents=(), agency="") -> Answer:
    return Answer(text, True, outcome, candidates=list(candidates), intents=list(intents), agency=agency)


def answer(question: str) -> Answer:
    """The answer to a question about the catalog (no logging, no personal data)."""
    if not isinstance(question, str) or not question.strip():
        raise GuideError(_("Hãy nhập câu hỏi."))
    if len(question) > MAX_QUESTION_CHARS:
        raise GuideError(_("Câu hỏi dài quá %(n)s ký tự.") % {"n": MAX_QUESTION_CHARS})
    # Control characters (NUL…) are not text: PostgreSQL would refuse them in the log.
    question = " ".join("".join(c if c.isprintable() else " " for c in question).split())
    if not question:
        raise GuideError(_("Hãy nhập câu hỏi."))
    asked = intent_rules.detect(question)
    if intent_rules.asks_for_person(question):
        return _abstain(
            Exchange.Outcome.PERSON,
            _("Bạn có thể gửi câu hỏi cho cán bộ: cán bộ sẽ trả lời trong thời hạn luật định."),
            intents=asked,
        )
    # Matched on what the question is about, without what it asks ("nhà thuê bao lâu" is no "thuê bao").
    subject = _search_text(question, asked)
    topic = scope.out_of_scope(subject)
    if (
        topic
        and not _held_by_name(question, [t.phrase for t in scope.topics_in(subject)], asked)
        and not _names_a_procedure_besides(question, topic.phrase, asked)
    ):
        return _abstain(
            Exchange.Outcome.OUT_OF_SCOPE,
            _("Việc này không thuộc danh mục thủ tục hành chính mà hệ thống này giữ. Bạn hãy hỏi %(agency)s.")
            % {"agency": topic.agency},
            intents=asked,
            agency=topic.agency,
        )
    clean = without_personal_data(question)
    query = _search_text(clean, asked)
    hits = search(query, limit=10, question=clean)
    candidates = [h.code for h in hits[:CANDIDATES]]
    if not hits or not confident(query, hits[0]):
        text = _(
            "Trợ lý chưa chắc bạn hỏi thủ tục nào. Bạn xem các thủ tục gần nhất, hoặc gửi câu hỏi cho cán bộ."
        )
        agency = _sector_agency(candidates[:3])
        if agency:
            # The closest procedures belong to a sector the catalog holds only by name: say who knows.
            text += " " + _("Thủ tục thuộc lĩnh vực này do %(agency)s giải quyết.") % {"agency": agency}
        return _abstain(
            Exchange.Outcome.LOW_CONFIDENCE, text, candidates=candidates, intents=asked, agency=agency
        )
    procedure = Procedure.objects.select_related("current_version", "field").get(code=hits[0].code)
    if procedure.current_version is None or getattr(procedure, "details_pending", False):
        agency = scope.agency_for_field(procedure.field.name if procedure.field else "")
        text = _(
            "Danh mục có thủ tục “%(name)s” (mã %(code)s) nhưng chưa có thành phần hồ sơ, phí, thời hạn."
        ) % {
            "name": procedure.name,
            "code": procedure.code,
        }
        if agency:
            text += " " + _("Bạn hãy hỏi %(agency)s.") % {"agency": agency}
        result = _abstain(
            Exchange.Outcome.NO_DETAILS, text, candidates=candidates, intents=asked, agency=agency
        )
        result.procedure = procedure.code
        return result
    fields = asked or intent_rules.OVERVIEW
    composed = composer.compose(procedure, fields, form_url=_form_url(procedure))
    bad = check(composed, procedure, question)
    if bad:
        # Never show a number the record does not print: keep only the sections that pass.
        composed.sections = [
            s for s in composed.sections if not any(_line_fails(s, i, question) for i in range(len(s.lines)))
        ]
        log.warning("guide: number check removed sections of %s", procedure.code)
        if not composed.sections or check(composed, procedure, question):
            return _abstain(
                Exchange.Outcome.NUMBER_CHECK,
                _("Trợ lý không trả lời được chắc chắn. Bạn xem trang thủ tục hoặc gửi câu hỏi cho cán bộ."),
                candidates=candidates,
                intents=asked,
            )
    text = composed.text()
    rephrased = llm.rephrase(text, allowed=[*composer.sources(procedure).values(), question])
    return Answer(
        text=rephrased or text,
        abstained=False,
        outcome=Exchange.Outcome.ANSWERED,
        procedure=procedure.code,
        candidates=candidates,
        citations=[
            {
                "procedure": procedure.code,
                "version": composed.version,
                "fields": [s.field for s in composed.sections],
            }
        ],
        intents=fields,
        composed=composed,
        form_url=composed.form_url,
        rephrased=bool(rephrased),
    )


def ask(question: str, *, user=None, channel: str = "web", id_numbers: set[str] | None = None) -> Answer:
    """Answer and log the exchange (scrubbed); the answer carries a token to rate it.

    `id_numbers`: what the eID sign-in proved; a question about "my dossier" is answered from
    those dossiers only."""
    started = time.perf_counter()
    if isinstance(question, str) and question.strip() and asks_about_own_dossiers(question):
        if len(question) > MAX_QUESTION_CHARS:
            raise GuideError(_("Câu hỏi dài quá %(n)s ký tự.") % {"n": MAX_QUESTION_CHARS})
        result = own_dossiers_answer(user, id_numbers or set())
    else:
        result = answer(question)
    result.token = secrets.token_hex(16)
    Exchange.objects.create(
        channel=channel[:8],
        question=scrub(" ".join("".join(c if c.isprintable() else " " for c in question).split()))[:500],
        procedure_code=result.procedure,
        outcome=result.outcome,
        intents=result.intents,
        elapsed_ms=int((time.perf_counter() - started) * 1000),
        token=result.token,
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    return result


def rate(token: str, useful: bool) -> Exchange:
    """Hữu ích / chưa hữu ích, once per answer."""
    with transaction.atomic():
        exchange = Exchange.objects.select_for_update().filter(token=str(token)[:32]).first()
        if exchange is None:
            raise GuideError(_("Không tìm thấy câu trả lời để đánh giá."))
        if exchange.rating:
            raise GuideError(_("Câu trả lời này đã được đánh giá."))
        exchange.rating = Exchange.Rating.USEFUL if useful else Exchange.Rating.NOT_USEFUL
        exchange.save(update_fields=["rating"])
    return exchange


def metrics() -> dict:
    """Answers, abstentions, handovers and ratings, over the whole log."""
    rows = Exchange.objects.all()
    return {
        "questions": rows.count(),
        "answers": rows.filter(outcome__in=Exchange.ANSWERS).count(),
        "abstentions": rows.exclude(outcome__in=Exchange.ANSWERS).count(),
        "handovers": rows.filter(handover__isnull=False).count(),
        "rated_useful": rows.filter(rating=Exchange.Rating.USEFUL).count(),
        "rated_not_useful": rows.filter(rating=Exchange.Rating.NOT_USEFUL).count(),
    }


# --- handover to an officer (chuyển cán bộ) ---------------------------------------------------------


def _handover_agency(procedure_code: str):
    from motcua.catalog.models import ProcedureAgency
    from motcua.places.models import Agency

    link = (
        ProcedureAgency.objects.filter(procedure__code=procedure_code)
        .select_related("agency")
        .order_by("role", "agency__code")
        .first()
    )
    if link:
        return link.agency
    return Agency.objects.filter(kind=Agency.Kind.PROVINCIAL_CENTER).order_by("code").first()


def handover(user, token: str, question: str, *, name: str, id_number: str):
    """The citizen's question becomes a case (phản ánh, kiến nghị) answered by an officer at
    /can-bo/phan-anh/ within the legal time; the answer comes back on the citizen's page."""
    from motcua.feedback.services import FeedbackError, open_question

    with transaction.atomic():
        exchange = Exchange.objects.select_for_update().filter(token=str(token)[:32]).first()
        if exchange is None or (exchange.user_id and exchange.user_id != getattr(user, "pk", None)):
            raise GuideError(_("Không tìm thấy câu hỏi để chuyển cán bộ."))
        if exchange.handover_id:
            raise GuideError(_("Câu hỏi này đã được chuyển cho cán bộ."))
        agency = _handover_agency(exchange.procedure_code)
        if agency is None:
            raise GuideError(_("Chưa có cơ quan nhận câu hỏi."))
        question = " ".join((question or "").split())[:MAX_QUESTION_CHARS] or exchange.question
        try:
            case = open_question(
                user,
                agency,
                _("Câu hỏi cho trợ lý ảo")
                + (f" ({exchange.procedure_code})" if exchange.procedure_code else ""),
                question,
                name=name,
                id_number=id_number,
            )
        except FeedbackError as exc:
            raise GuideError(str(exc)) from exc
        exchange.handover = case
        exchange.save(update_fields=["handover"])
    return case


# --- signed in: "where is my dossier, what do I still owe" ----------------------------------------

OWN_PHRASES = [
    "ho so cua toi",
    "ho so cua minh",
    "ho so cua em",
    "ho so toi",
    "ho so minh",
    "ho so den dau",
    "ho so cua toi den dau",
    "toi con no",
    "con phai nop",
    "con thieu",
    "phai dong them",
    "con no",
    "da xong chua",
    "bao gio co ket qua cua toi",
    "ket qua cua toi",
    "giay to cua toi",
]


def asks_about_own_dossiers(question: str) -> bool:
    text = f" {fold(question)} "
    return any(f" {p} " in text for p in OWN_PHRASES)


def own_dossiers_answer(user, id_numbers: set[str], limit: int = 5) -> Answer:
    """Status, what is expected now, fees still due, from the citizen's own dossiers only
    (dossiers.access.own_dossiers: their account or the ID numbers their eID proved)."""
    from django.utils import timezone

    from motcua.dossiers import access
    from motcua.dossiers.models import FINAL_STATUSES, Status

    if not getattr(user, "is_authenticated", False) or not id_numbers:
        return _abstain(Exchange.Outcome.SIGN_IN, _("Hãy đăng nhập bằng VNeID để trợ lý xem hồ sơ của bạn."))
    dossiers = list(access.own_dossiers(user, id_numbers).select_related("procedure").order_by("-id")[:limit])
    if not dossiers:
        return Answer(
            _("Bạn chưa có hồ sơ nào."), False, Exchange.Outcome.OWN_DOSSIERS, intents=["own_dossiers"]
        )
    lines = []
    for d in dossiers:
        line = f"{d.code} — {d.procedure.name}: {Status(d.status).label}"
        if d.due_at and d.status not in FINAL_STATUSES:
            line += _(", hẹn trả ngày %(day)s") % {"day": timezone.localtime(d.due_at).strftime("%d/%m/%Y")}
        owed = max(0, d.fee_due - d.fee_paid)
        if owed:
            line += _(", còn phải nộp %(amount)s đồng") % {"amount": format_number(owed)}
        if d.status == Status.SUPPLEMENT:
            line += _(", cần bổ sung giấy tờ")
        lines.append(line)
    text = _("Hồ sơ của bạn:") + "\n" + "\n".join(f"- {line}" for line in lines)
    return Answer(text=text, abstained=False, outcome=Exchange.Outcome.OWN_DOSSIERS, intents=["own_dossiers"])
