"""The demo personas' own histories (hồ sơ của người dùng thử), so that every resident `make run`
prints finds dossiers in "Hồ sơ của tôi" after signing in with the sandbox eID. Never for production.

The personas are the residents of the registries' sandbox (`registries.sandbox.demo_people()`) who
can sign in (the living ones); `motcua demo_accounts` prints the same list. Each gets the dossiers of
`HISTORIES[role]` (or `DEFAULT_HISTORY`), taken through the real services by the printed demo
officers (tiepnhan receives and returns, lanhdao assigns, approves and signs, chuyenvien handles):
a returned dossier with a fee paid online, its signed result in the data store and a rating; one
being handled; one waiting for the fee; and, for some, a supplement request or an open question to
another agency (liên thông) that the consulted agency's printed officers can answer.

To give a new persona (another app's) a history: add the role to the sandbox's personas and, if the
default does not fit, a line to HISTORIES. Building is idempotent: a persona who already has a
dossier is left as is. Like the bulk demo history (motcua/demo/history.py), this module reaches the payments,
feedback and insights apps above it: it is demo tooling, not a domain service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from motcua.catalog.models import Procedure
from motcua.dossiers import services
from motcua.dossiers.intake import Applicant, Paper, receive_in_person
from motcua.dossiers.models import Consultation, Dossier
from motcua.people.models import User
from motcua.places.models import Agency

#: The printed demo officers who act on the personas' dossiers (motcua/demo/accounts.py).
RECEPTION, SPECIALIST, LEADER = "tiepnhan", "chuyenvien", "lanhdao"
#: Where the personas' dossiers are received (the provincial centre) and handled (Sở Tư pháp).
RECEIVING_SUFFIX = "000.00.30"

RETURNED, PROCESSING, PAYMENT, SUPPLEMENT, CONSULTING = (
    "returned",
    "processing",
    "payment",
    "supplement",
    "consulting",
)


@dataclass(frozen=True)
class Story:
    """One dossier of a persona's history: the procedure, where it stops, its fee and rating."""

    procedure: str  # catalog code, handled by Sở Tư pháp when received at the provincial centre
    ends: str  # RETURNED | PROCESSING | PAYMENT | SUPPLEMENT | CONSULTING
    fee: int = 0  # đồng, requested by the specialist (paid online when the story is RETURNED)
    rating: int = 4  # Satisfaction, for RETURNED
    consult: str = ""  # agency code suffix asked (CONSULTING), one of demo.accounts.CONSULTED_AGENCIES


# Fees of TT 281/2016/TT-BTC and TT 106/2021/TT-BTC (demo amounts where the catalog has no line).
COPY = Story("2.000635", RETURNED, fee=8_000, rating=4)  # bản sao trích lục hộ tịch: 8.000 đ/bản
NATIONALITY = Story("1.005136", PROCESSING)  # xác nhận có quốc tịch Việt Nam
LEGAL_ADVISER_FEE = Story("1.000426", PAYMENT, fee=100_000)  # thẻ tư vấn viên pháp luật

DEFAULT_HISTORY = (COPY, NATIONALITY, LEGAL_ADVISER_FEE)
HISTORIES: dict[str, tuple[Story, ...]] = {
    "adult": (*DEFAULT_HISTORY, Story("1.005136", CONSULTING, consult="000.00.14")),
    "business_owner": (*DEFAULT_HISTORY, Story("1.000426", CONSULTING, consult="000.00.03")),
    "parent_of_newborn": (*DEFAULT_HISTORY, Story("2.000635", SUPPLEMENT)),
    "widow": (Story("2.000635", RETURNED, fee=8_000, rating=3), NATIONALITY, LEGAL_ADVISER_FEE),
}


def sign_in_personas() -> dict:
    """role → sandbox Person, for the personas who can sign in with the sandbox eID."""
    from motcua.registries import sandbox

    return {role: p for role, p in sandbox.demo_people().items() if p.deceased_on is None}


def history_of(role: str) -> tuple[Story, ...]:
    return HISTORIES.get(role, DEFAULT_HISTORY)


def build_histories() -> list[str]:
    """Give every sign-in persona their history (idempotent); a line per persona."""
    officers = {u.username: u for u in User.objects.filter(username__in=[RECEPTION, SPECIALIST, LEADER])}
    if len(officers) < 3:
        raise LookupError("Chưa có cán bộ dùng thử: chạy `motcua demo_accounts` trước.")
    hcode = settings.MOTCUA_PROVINCE_AGENCY_CODE
    receiving = Agency.objects.get(code=f"{RECEIVING_SUFFIX}.{hcode}")
    lines = []
    for role, person in sign_in_personas().items():
        existing = Dossier.objects.filter(applicant_id_index=person.id_number).count()
        if existing:
            lines.append(f"{role}: {person.full_name} đã có {existing} hồ sơ")
            continue
        user = _citizen(person)
        codes = [_tell(story, person, user, receiving, officers) for story in history_of(role)]
        lines.append(f"{role}: {person.full_name} — {len(codes)} hồ sơ ({', '.join(codes)})")
    return lines


def _citizen(person) -> User:
    """The account the eID sign-in would create (EidBackend.create_user), so it is the same one."""
    user = User.objects.filter(personal_id_index=person.id_number).first()
    if user is None:
        user = User.objects.create(
            username=f"vneid-{person.id_number}",
            kind=User.Kind.CITIZEN,
            personal_id=person.id_number,
            full_name=person.full_name,
            phone=person.phone,
        )
    return user


def _papers(procedure: Procedure) -> list[Paper]:
    return [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]


def _tell(story: Story, person, user: User, receiving: Agency, officers: dict) -> str:
    """Take one dossier through the real services up to where the story stops; its code."""
    reception, specialist, leader = officers[RECEPTION], officers[SPECIALIST], officers[LEADER]
    procedure = Procedure.objects.select_related("current_version").get(code=story.procedure)
    applicant = Applicant(
        name=person.full_name,
        id_number=person.id_number,
        address=person.permanent_address,
        phone=person.phone,
        email=person.email,
        user=user,
    )
    dossier = receive_in_person(reception, receiving, procedure, applicant, _papers(procedure))
    if story.ends == SUPPLEMENT:
        services.perform(
            dossier, "request_supplement", reception, reason="Bản chụp Giấy khai sinh bị mờ, đề nghị nộp lại."
        )
        return dossier.code
    dossier = services.perform(dossier, "assign", leader, assignee=specialist)
    if story.ends == CONSULTING:
        agency = Agency.objects.get(code=f"{story.consult}.{settings.MOTCUA_PROVINCE_AGENCY_CODE}")
        services.perform(
            dossier,
            "consult",
            specialist,
            to_agencies=[agency.pk],
            kind=Consultation.Kind.INTERLINK,
            question="Đề nghị xác minh thông tin cư trú và nhân thân của người nộp hồ sơ.",
            days=5,
        )
        return dossier.code
    if story.fee:
        dossier = services.perform(dossier, "request_payment", specialist, amount=story.fee)
    if story.ends in (PROCESSING, PAYMENT):
        return dossier.code
    if story.fee:
        dossier = _pay_online(dossier)
    dossier = services.perform(dossier, "approve", leader)
    from motcua.dossiers.results import issue_result

    issue_result(dossier, leader, expected_version=dossier.version)
    dossier = services.perform(Dossier.objects.get(pk=dossier.pk), "return_result", reception)
    from motcua.feedback import services as feedback

    feedback.rate(user, dossier, story.rating, "Cán bộ hướng dẫn tận tình.", id_numbers={person.id_number})
    return dossier.code


def _pay_online(dossier: Dossier) -> Dossier:
    """The applicant pays on the national payment platform's sandbox: the platform's signed notice
    of success comes back, as after "Thanh toán" on its page (payments.services does the rest)."""
    from motcua.payments import services as payments
    from motcua.payments.gateways import signed, stamp

    [charge] = payments.open_charges(dossier)
    intent, _start = payments.start_payment(charge, "national", idempotency_key=f"demo-{dossier.code}")
    notice = {
        "merchant": settings.MOTCUA_PAYMENTS_NATIONAL_MERCHANT,
        "txn_ref": intent.reference,
        "amount": intent.amount,
        "transaction_no": f"{intent.pk:09d}",
        "pay_date": stamp(intent.created_at),
        "response_code": "00",
    }
    outcome = payments.receive_notification(
        "national", signed(notice, settings.MOTCUA_PAYMENTS_NATIONAL_SECRET)
    )
    if outcome != "applied":
        raise RuntimeError(f"Demo payment of {dossier.code}: {outcome}")
    return Dossier.objects.get(pk=dossier.pk)


#: Targets (chỉ tiêu) the province monitor has set for the last complete month: agency code suffix
#: → {measure: value}. The dashboards show progress and who is behind against them.
TARGETS = {
    "000.00.04": {"index_total": 80, "on_time_rate": 95, "online_rate": 50},  # Sở Tư pháp
    "000.00.30": {"index_total": 85, "satisfaction": 90},  # Trung tâm Phục vụ hành chính công
    "000.00.14": {"on_time_rate": 98, "online_payment": 40},  # Công an tỉnh
}
MONITOR = "giamsat"


def seed_targets() -> int:
    """Set TARGETS for the last complete month as the printed monitor (kept if already set)."""
    from motcua.insights import targets
    from motcua.insights.models import Target
    from motcua.insights.periods import parse_period

    monitor = User.objects.filter(username=MONITOR).first()
    if monitor is None:
        raise LookupError("Chưa có cán bộ dùng thử: chạy `motcua demo_accounts` trước.")
    last = timezone.localdate().replace(day=1) - timedelta(days=1)
    period = parse_period(f"{last.year}-{last.month:02d}")
    hcode = settings.MOTCUA_PROVINCE_AGENCY_CODE
    made = 0
    for suffix, measures in TARGETS.items():
        agency = Agency.objects.get(code=f"{suffix}.{hcode}")
        for measure, value in measures.items():
            if Target.objects.filter(
                agency=agency, measure=measure, period_kind="month", period_start=period.first_day
            ).exists():
                continue
            targets.set_target(
                monitor, agency=agency, measure=measure, period=period, value=value, note="Chỉ tiêu dùng thử"
            )
            made += 1
    return made
