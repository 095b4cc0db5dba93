"""Encryption at rest (ADR 0040): what it costs the work queue, the dossier page and submissions.

    python -m bench encryption                         # SQLite, 5,000 demo dossiers
    python -m bench encryption --postgres --dossiers 20000

Method, everything on vs off in the same run:

1. Crypto alone: encrypting and decrypting one dossier's encrypted values (address, phone, e-mail,
   the form data of a demo dossier) with the data keys, per row, against json.dumps/loads of the same.
2. Officer pages: the back-office bench's setup (fresh database, reference data, N demo dossiers written
   by `motcua.demo.history`, encrypted as the ORM writes them), one reception officer signed in with
   the second factor; the queues "mine" and "unit" and the dossier page timed (test Client, every answer
   checked) — ON. Then the same rows decrypted in place and MOTCUA_ENCRYPT_AT_REST off — OFF: same
   database, same rows, same officer. Checked: a raw row holds a token ON and the plaintext OFF.
   Also the officers' search by a whole ID number and by a whole name (`/can-bo/hang/tat-ca/?q=`), found
   through the blind indexes (ADR 0048) in both modes, the rows' number and name decrypted ON only; and
   the blind index alone (HMAC-SHA256 of the normalised number) per lookup.
3. Writes: saving a submission's encrypted values (the dossier's contact fields and form data, the
   draft's answers) per row, ON vs OFF.
4. The submissions bench (HTTP end to end, `bench/submissions.py`) run twice, MOTCUA_ENCRYPT_AT_REST=0
   then 1 (BENCH_SUBMISSIONS submissions each, default 80 here); BENCH_ENCRYPTION_SUBMISSIONS=0 skips it.
"""

import contextlib
import io
import itertools
import json
import os
import re
import time
from urllib.parse import quote

from bench.backoffice_bench import _pct, _setup_django, _time, page_url, queryset_rows, sign_in
from bench.checks import BenchCheckFailed, checked

DEFAULT_DOSSIERS = 5_000
REPEAT = 30
WARMUP = 3
ROUNDS = 2


def _fmt(values) -> str:
    return f"p50 {_pct(values, 50) * 1000:7.2f} ms, p95 {_pct(values, 95) * 1000:7.2f} ms"


def _ratio(on, off) -> str:
    p50 = _pct(on, 50) / max(_pct(off, 50), 1e-12)
    return f"ON/OFF p50 {p50:.2f}x, p95 {_pct(on, 95) / max(_pct(off, 95), 1e-12):.2f}x"


def _submissions(enabled: bool) -> tuple[float | None, float | None, str]:
    """One run of the submissions bench: (submissions/s, prefilled page p95 ms, its printed text)."""
    from bench import submissions

    os.environ["MOTCUA_ENCRYPT_AT_REST"] = "1" if enabled else "0"
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            submissions.main(postgres=False)
    except Exception as exc:  # noqa: BLE001 — that run measured nothing, and says so below
        return None, None, out.getvalue() + f"\n    failed: {exc!r}"[:300]
    finally:
        os.environ.pop("MOTCUA_ENCRYPT_AT_REST", None)
    text = out.getvalue()
    rate = re.search(r"= ([\d.]+) /s end to end", text)
    page = re.search(r"prefilled form page: p50 [\d.]+ ms, p95 ([\d.]+) ms", text)
    errors = re.search(r"(\d+) errors", text)
    if errors and int(errors.group(1)):
        return None, None, text
    return (float(rate.group(1)) if rate else None, float(page.group(1)) if page else None, text)


def main(postgres: bool = False, dossiers: int | None = None) -> None:
    os.environ.setdefault("BENCH_SUBMISSIONS", "80")
    run_submissions = os.environ.get("BENCH_ENCRYPTION_SUBMISSIONS", "1") != "0"
    sub = {}
    if run_submissions:  # before Django is set up here: its servers are subprocesses of their own
        for enabled in (False, True):
            sub[enabled] = _submissions(enabled)

    label = _setup_django(postgres)
    n = int(dossiers or DEFAULT_DOSSIERS)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import override_settings
    from django.test.utils import setup_test_environment

    from motcua.core import crypto
    from motcua.demo import history as demo
    from motcua.dossiers.models import Dossier
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    report = demo.generate(n, seed=1, force=True)
    print(f"[encryption, {label}] demo history: " + report.lines()[0])

    # 1. crypto alone, per row ---------------------------------------------------------------
    # A submitted form's data as the e-forms write it (~1.5 kB of answers and their sources); the
    # demo's dossiers carry none, so every timed row gets this one (ON and OFF alike).
    form = {
        "ho_ten": "Nguyễn Thị Ánh", "ngay_sinh": "1990-04-12", "gioi_tinh": "Nữ",
        "so_dinh_danh": "014190001111",
        "noi_thuong_tru": "Tổ 3, phường Tô Hiệu, tỉnh Sơn La", "so_dien_thoai": "0912345678",
        "email": "anh@example.vn", "quan_he": "Mẹ", "ten_nguoi_duoc_cap": "Lò Văn Pâng",
        "noi_dang_ky": "UBND phường Tô Hiệu", "so_ban_sao": 2, "ly_do": "Bổ sung hồ sơ nhập học cho con " * 8,
        "prefilled_from": {k: "CSDL quốc gia về dân cư" for k in ("ho_ten", "ngay_sinh", "so_dinh_danh")},
    }  # fmt: skip
    form_text = json.dumps(form, ensure_ascii=False)
    address, phone, email = form["noi_thuong_tru"], form["so_dien_thoai"], form["email"]

    # 1. crypto alone, per row ---------------------------------------------------------------
    def seal_open():
        tokens = [
            crypto.encrypt_text(v) for v in (address, phone, email, json.dumps(form, ensure_ascii=False))
        ]
        return [crypto.decrypt_text(t) for t in tokens[:3]] + [json.loads(crypto.decrypt_text(tokens[3]))]

    def plain():
        return [address, phone, email, json.loads(json.dumps(form, ensure_ascii=False))]

    on, off = [], []
    for _ in range(ROUNDS):
        on += _time(seal_open, 1000, 50)
        off += _time(plain, 1000, 50)
    print(
        f"  crypto per dossier row (address, phone, e-mail, form data of {len(form_text.encode())} bytes): "
        f"encrypt+decrypt {_fmt(on)} | plain JSON {_fmt(off)}"
    )
    ident = ("014190001111", "Nguyễn Thị Ánh")
    ident_tokens = [crypto.encrypt_text(v) for v in ident]
    hmac_times = _time(lambda: crypto.blind_index(ident[0]), 2000, 100)
    open_times = _time(lambda: [crypto.decrypt_text(t) for t in ident_tokens], 2000, 100)
    print(
        f"  blind index of an ID number (HMAC-SHA256, per lookup): {_fmt(hmac_times)}; "
        f"decrypting a row's number and name (queues, per row): {_fmt(open_times)}"
    )

    # 2. officer pages ON vs OFF, alternating -------------------------------------------------------
    centre = Agency.objects.get(code__startswith="000.00.30.")
    user, _ = User.objects.get_or_create(
        username="bench_enc_reception",
        defaults={"full_name": "bench", "kind": User.Kind.OFFICER, "is_staff": True},
    )
    OfficerRole.objects.get_or_create(user=user, agency=centre, role=OfficerRole.Role.RECEPTION)
    mine = Dossier.objects.filter(receiving_agency=centre).order_by("id")
    codes = list(mine.values_list("code", flat=True)[:: max(1, mine.count() // REPEAT)][:REPEAT])
    if not codes:
        print("  officer pages: NOT MEASURED (no dossier at the provincial centre)")
        return
    for dossier in Dossier.objects.filter(code__in=codes):  # the dossier page shows a real form
        dossier.form_data = form
        dossier.save(update_fields=["form_data"])
    setup_test_environment()
    client = sign_in(user)
    probe = mine.exclude(applicant_phone="").values_list("pk", flat=True).first()
    # The officers' search by a whole ID number and a whole name (blind indexes, ADR 0048).
    sought = mine.exclude(applicant_id_number="").order_by("id").first()
    searches = []
    if sought is not None:
        number_hits = Dossier.objects.filter(applicant_id_index=sought.applicant_id_number).count()
        name_hits = Dossier.objects.filter(applicant_name_index=sought.applicant_name).count()
        searches = [("by ID", sought.applicant_id_number), ("by name", sought.applicant_name)]
        print(
            f"  searched: a whole ID number ({number_hits} dossier(s) hold it) and a whole name "
            f"({name_hits} dossier(s) of that name)"
        )

    def raw_phone():
        with connection.cursor() as cursor:
            cursor.execute("SELECT applicant_phone FROM dossiers_dossier WHERE id = %s", [probe])
            return cursor.fetchone()[0]

    def rewrite(transform) -> int:
        with transaction.atomic():
            return sum(
                crypto.rewrite_column(connection, model._meta.db_table, field.column, transform)
                for model, field in crypto.encrypted_fields()
            )

    def pages(timed: dict) -> None:
        for queue in ("mine", "unit"):
            url = page_url(queue)
            ids = queryset_rows(queue, user)
            expect = (
                Dossier.objects.values_list("code", flat=True).get(pk=ids[0])
                if ids
                else "Không có hồ sơ nào."
            )
            timed.setdefault(queue, []).extend(
                _time(
                    lambda url=url, expect=expect: checked(client.get(url), expect=expect, what=url),
                    REPEAT,
                    WARMUP,
                )
            )
        cycle = itertools.cycle(codes)

        def detail():
            code = next(cycle)
            return checked(client.get(f"/can-bo/ho-so/{code}/"), expect=code, what=code)

        timed.setdefault("dossier", []).extend(_time(detail, REPEAT, WARMUP))
        for name, q in searches:
            url = page_url("search", quote(q))
            ids = queryset_rows("search", user, q)
            if not ids:
                raise BenchCheckFailed(f"the search {name} found nothing")
            expect = Dossier.objects.values_list("code", flat=True).get(pk=ids[0])
            timed.setdefault(name, []).extend(
                _time(
                    lambda url=url, expect=expect: checked(client.get(url), expect=expect, what=url),
                    REPEAT,
                    WARMUP,
                )
            )

    timed_on, timed_off = {}, {}
    for round_ in range(ROUNDS):
        if round_:
            rewrite(crypto.rotate_text)  # back to ciphertext
        if probe is not None and not crypto.is_token(raw_phone()):
            raise BenchCheckFailed("ON: a plaintext phone in the row")
        pages(timed_on)
        t0 = time.perf_counter()
        changed = rewrite(crypto.decrypt_text)
        if round_ == 0:
            print(
                f"  {changed:,} encrypted values decrypted in place in "
                f"{time.perf_counter() - t0:.1f} s (for OFF)"
            )
        with override_settings(MOTCUA_ENCRYPT_AT_REST=False):
            if probe is not None and crypto.is_token(raw_phone()):
                raise BenchCheckFailed("OFF: the phone is still a token")
            pages(timed_off)
    print(f"  officer pages, {ROUNDS} rounds ON then OFF (same rows, same officer, {REPEAT} requests each):")
    for name in ("mine", "unit", "dossier", *(s[0] for s in searches)):
        where = {"dossier": "/can-bo/ho-so/<code>/", "by ID": "search ?q=<ID>", "by name": "search ?q=<name>"}
        where = where.get(name) or page_url(name)
        on_, off_ = timed_on[name], timed_off[name]
        print(f"    {name:8} {where:32.32} ON {_fmt(on_)} | OFF {_fmt(off_)} | {_ratio(on_, off_)}")

    # 3. writes per row ON vs OFF, alternating ------------------------------------------------------
    targets = list(Dossier.objects.order_by("id")[:200])
    for dossier in targets:
        dossier.form_data = form
    fields = ["applicant_address", "applicant_phone", "applicant_email", "form_data"]

    it = itertools.cycle(targets)
    plain_mode = override_settings(MOTCUA_ENCRYPT_AT_REST=False)

    def one():
        with transaction.atomic():
            next(it).save(update_fields=fields)

    # ON and OFF alternate call by call, so the machine's noise falls on both alike.
    w_on, w_off = [], []
    for n in range(20 + 400 * ROUNDS):
        off_now = n % 2 == 1
        if off_now:
            plain_mode.enable()
        t0 = time.perf_counter()
        one()
        spent = time.perf_counter() - t0
        if off_now:
            plain_mode.disable()
        if n >= 20:
            (w_off if off_now else w_on).append(spent)
    print(
        "  writes per submission (a dossier's contact fields + form data, one transaction): "
        f"ON {_fmt(w_on)} | OFF {_fmt(w_off)} | {_ratio(w_on, w_off)}"
    )

    # 4. the submissions bench ON vs OFF -------------------------------------------------------------
    if not run_submissions:
        print("  submissions bench ON vs OFF: NOT MEASURED (BENCH_ENCRYPTION_SUBMISSIONS=0)")
        return
    (r_off, p_off, t_off), (r_on, p_on, t_on) = sub[False], sub[True]
    if None in (r_off, p_off, r_on, p_on):
        print("  submissions bench ON vs OFF: NOT MEASURED (a run failed)")
        print("    OFF:\n" + t_off + "    ON:\n" + t_on)
        return
    print(
        f"  submissions bench (HTTP, {os.environ['BENCH_SUBMISSIONS']} each, SQLite): OFF {r_off:.1f}/s, "
        f"prefilled page p95 {p_off:.1f} ms | ON {r_on:.1f}/s, p95 {p_on:.1f} ms "
        f"| throughput ON/OFF {r_on / r_off:.2f}x, "
        f"page p95 ON/OFF {p_on / p_off:.2f}x"
    )
