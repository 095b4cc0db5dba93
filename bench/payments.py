"""Payment notifications processed per second, with duplicates and stale notices mixed in, beside a
reference measured in the same run.

    python -m bench.payments                    # SQLite in a temporary folder
    python -m bench.payments --postgres         # PostgreSQL (database motcua_bench_payments, recreated)

Method: a fresh database, migrate, load the calendar, places and catalogue, receive N dossiers at
the counter and take them to status 6 (financial obligation), assess them and open one national-
platform intent each. The stream: for every intent its success notice 3 times plus one stale
failure notice, shuffled (seed 1), all signed with HMAC-SHA512 like the platform's. Each notice goes
through `services.receive_notification` (signature, lock, exactly-once, payment row, dossier
transition 6 → 4 with history + audit + event), receipts off (the signed PDF, ~0.3 s, is issued
after the commit and measured once separately). Checked afterwards: exactly N payments.

Reference: the least any correct handler must do per notice: verify the HMAC, then one
conditional UPDATE of the intent row and one INSERT into the notification log, on a raw cursor.
"""

import argparse
import io
import random
import time

from bench.database import fresh_database


def _setup(postgres: bool) -> str:
    return fresh_database("payments", postgres)


def main(postgres: bool = False, dossiers: int = 200) -> None:
    label = _setup(postgres)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from motcua.catalog.models import Procedure
    from motcua.dossiers import services as dossier_services
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.payments import services
    from motcua.payments.gateways import check, signed, stamp
    from motcua.payments.models import Payment
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    role = OfficerRole.Role
    centre = Agency.objects.get(code="000.00.30.H52")
    justice = Agency.objects.get(code="000.00.04.H52")

    def officer(name, agency, r):
        user = User.objects.create(username=name, kind=User.Kind.OFFICER, is_staff=True)
        OfficerRole.objects.create(user=user, agency=agency, role=r)
        return user

    reception, head = officer("tn", centre, role.RECEPTION), officer("tp", justice, role.UNIT_HEAD)
    specialist = officer("cv", justice, role.SPECIALIST)
    procedure = Procedure.objects.get(code="1.000426")
    papers = [
        Paper(name=d.name, requirement_id=d.pk, originals=d.originals, copies=d.copies)
        for d in procedure.current_version.documents.all()
    ]
    secret = settings.MOTCUA_PAYMENTS_NATIONAL_SECRET
    stream = []
    for i in range(dossiers):
        applicant = Applicant(name=f"Người nộp {i}", id_number=f"0140900{i:05d}")
        d = receive_in_person(reception, centre, procedure, applicant, papers)
        d = dossier_services.perform(d, "assign", head, assignee=specialist)
        d = dossier_services.perform(d, "request_payment", specialist, amount=150000)
        [charge] = services.open_charges(d)
        intent, _ = services.start_payment(charge, "national", idempotency_key=f"b{i}")
        base = {
            "merchant": settings.MOTCUA_PAYMENTS_NATIONAL_MERCHANT,
            "txn_ref": intent.reference,
            "amount": intent.amount,
            "transaction_no": f"{i:09d}",
            "pay_date": stamp(intent.created_at),
        }
        success = signed({**base, "response_code": "00"}, secret)
        stream += [success, success, success, signed({**base, "response_code": "24"}, secret)]
    random.Random(1).shuffle(stream)
    n = len(stream)

    t0 = time.perf_counter()
    outcomes = [services.receive_notification("national", notice, receipts=False) for notice in stream]
    ours = time.perf_counter() - t0
    paid = Payment.objects.count()
    assert paid == dossiers, f"{paid} payments for {dossiers} dossiers"
    # Each notice was answered as it should be: one success applied per intent, the rest ignored.
    assert outcomes.count("applied") == dossiers, {o: outcomes.count(o) for o in set(outcomes)}
    assert set(outcomes) <= {"applied", "duplicate", "stale"}, set(outcomes)
    replay = [notice for notice in stream if notice["response_code"] == "00"][:dossiers]
    t0 = time.perf_counter()
    for notice in replay:
        services.receive_notification("national", notice, receipts=False)
    duplicates_only = time.perf_counter() - t0
    assert Payment.objects.count() == dossiers

    # Reference: HMAC check + one conditional UPDATE + one INSERT per notice, raw cursor, autocommit.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_intent (ref varchar(40) PRIMARY KEY, status varchar(10))")
        cursor.execute(
            "CREATE TABLE bench_log (id integer PRIMARY KEY, ref varchar(40), outcome varchar(16))"
        )
        for notice in stream:
            cursor.execute(
                "INSERT INTO bench_intent VALUES (%s, 'pending') ON CONFLICT DO NOTHING", [notice["txn_ref"]]
            )
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for i, notice in enumerate(stream):
            check(notice, secret)
            cursor.execute(
                "UPDATE bench_intent SET status = 'paid' WHERE ref = %s AND status = 'pending'",
                [notice["txn_ref"]],
            )
            cursor.execute("INSERT INTO bench_log VALUES (%s, %s, %s)", [i, notice["txn_ref"], "x"])
    reference = time.perf_counter() - t0

    from motcua.payments.receipts import issue_receipt

    issue_receipt(Payment.objects.first())  # the first also loads fonts and makes the sandbox keys
    t0 = time.perf_counter()
    issued = issue_receipt(Payment.objects.last())
    receipt = time.perf_counter() - t0
    assert issued.receipt_number, "no receipt was issued"

    print(f"[payments, {label}] {n} notices ({dossiers} payments, {n - dossiers} duplicates/stale)")
    print(
        f"  motcua:    {n / ours:8.0f} notices/s  ({ours / n * 1000:.2f} ms each)  "
        f"applied {outcomes.count('applied')}, duplicate {outcomes.count('duplicate')}, "
        f"stale {outcomes.count('stale')}, refunded {outcomes.count('refunded')}"
    )
    print(f"  duplicates only (a replay of {len(replay)}): {len(replay) / duplicates_only:8.0f} notices/s")
    print(f"  reference: {n / reference:8.0f} notices/s  (HMAC + UPDATE + INSERT, raw cursor)")
    print(
        f"  ratio: motcua takes {ours / reference:.1f}× the reference;  one signed receipt: {receipt:.2f} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=200)
    args = parser.parse_args()
    main(postgres=args.postgres, dossiers=args.dossiers)
