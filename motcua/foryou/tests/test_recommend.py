"""The next-service recommender (issue 15): what it learns, what it hides, what it refuses."""

import ast
import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from motcua.foryou import recommend as rec

ROOT = Path(__file__).resolve().parents[3]
AS_OF = date(2026, 6, 1)
BIRTH, RESIDENCE, HEALTH_CARD = "1.001193", "1.004222", "1.001939"
LAND, LAND_TAX = "1.013831", "1.007277"
COPY = "2.000815"  # chứng thực bản sao
CRIMINAL_RECORD = "3.000333"
LICENCE = "3.000348"


@pytest.fixture(scope="module")
def catalog():
    from django.conf import settings

    return rec.load_catalog(Path(settings.DATA_DIR))


def person(name, dossiers, birth="1990-05-01"):
    return {
        "person": name,
        "birth_date": birth,
        "dossiers": [{"procedure": code, "received": day.isoformat()} for code, day in dossiers],
    }


def world(pairs: int, *, a=LAND, b=LAND_TAX, gap=5, crowd=60):
    """`pairs` people who filed a, then b `gap` days later, placed two days before one of the
    model's cut-offs (every 28 days, a horizon before `as_of`) so each is counted once in the
    (a, ≤7 days) cell; and a crowd that files a criminal-record extract and certified copies
    (more popular than b, and chứng thực the most popular of all)."""
    rows = []
    for i in range(pairs):
        first = AS_OF - timedelta(days=90 + 28 * (i % 5) + 2)
        rows.append(person(f"pair{i}", [(a, first), (b, first + timedelta(days=gap))]))
    for i in range(crowd):
        day = AS_OF - timedelta(days=100 + i % 60)
        copies = [(COPY, day), (COPY, day + timedelta(days=1))]
        rows.append(person(f"crowd{i}", [(CRIMINAL_RECORD, day), *copies]))
    return rows


def run(rows, *, k=3, extra=(), as_of=AS_OF, min_people=None):
    catalog = rec.load_catalog()
    lines = [json.dumps(r) for r in rows]
    histories = list(rec.parse_histories(lines, as_of, catalog))
    model = rec.fit(histories, as_of, catalog, min_people=min_people)
    recommender = rec.Recommender(model, catalog)
    target = list(rec.parse_histories([json.dumps(r) for r in extra], as_of, catalog))
    return model, [recommender.recommend(h, as_of, k) for h in target]


def test_learns_what_follows_in_time_and_says_why(catalog):
    just_now = person("me", [(LAND, AS_OF - timedelta(days=2))])
    model, [mine] = run(world(30), extra=[just_now])
    assert mine[0].procedure == LAND_TAX
    assert mine[0].source in {"rule", "learned"}
    assert "ngày 30/05/2026" in mine[0].because  # cites the person's own dossier
    assert model.version.startswith("rec-20260601-")


def test_sequence_aware_nothing_after_b_then_a(catalog):
    """b → a in the data does not make a follow b: the order is learned, not only co-occurrence."""
    just_now = person("me", [(CRIMINAL_RECORD, AS_OF - timedelta(days=2))])
    rows = world(30, a=LICENCE, b=CRIMINAL_RECORD, crowd=0)
    _, [mine] = run(rows, extra=[just_now])
    assert not [r for r in mine if r.procedure == LICENCE and r.source != "popular"]
    # and in the right order it is learned
    _, [forward] = run(rows, extra=[person("me", [(LICENCE, AS_OF - timedelta(days=2))])])
    assert forward[0].procedure == CRIMINAL_RECORD


def test_a_step_already_filed_is_not_at_risk(catalog):
    """P(b next | a, elapsed) is estimated over the people who had not filed b since a: someone who
    filed b with a (a bundle, one application, the same day) is in neither the count nor the
    denominator of b, so those cases do not dilute the step for the people still to do it."""
    same_day = [
        person(f"bundle{i}", [(LAND, day), (LAND_TAX, day)])
        for i in range(30)
        for day in [AS_OF - timedelta(days=90 + 28 * (i % 5) + 2)]
    ]
    model, _ = run(world(30) + same_day)
    learned = {b: p for b, p, _n in model.transitions[(LAND, 0)]}
    prior = dict(model.popularity[-1]).get(LAND_TAX, 0.0)
    shrink = model.params["shrink"]
    # 60 people were in state (a, ≤ 7 days); 30 had already filed b: 30 at risk, all 30 filed it.
    assert learned[LAND_TAX] == pytest.approx((30 + shrink * prior) / (30 + shrink), abs=1e-5)


def test_small_counts_are_suppressed(catalog):
    """Five people are too few to learn from (k-anonymity): nothing of theirs is suggested."""
    just_now = person("me", [(LAND, AS_OF - timedelta(days=2))])
    model, [mine] = run(world(5, b=LICENCE), extra=[just_now])
    assert not any(b == LICENCE for items in model.transitions.values() for b, _p, _n in items)
    assert LICENCE not in [r.procedure for r in mine]
    # with a threshold of 5 the same data is learned (the setting is what decides)
    _, [allowed] = run(world(5, b=LICENCE), extra=[just_now], min_people=5)
    assert [r.source for r in allowed if r.procedure == LICENCE] == ["learned"]


def test_certification_is_never_recommended(catalog):
    _, [mine] = run(world(30), extra=[person("me", [])], k=10)
    codes = [r.procedure for r in mine]
    assert codes and COPY not in codes and "2.000884" not in codes
    assert codes[0] == CRIMINAL_RECORD  # popularity fills in, chứng thực left out


def test_cold_start_uses_the_life_event_rules_and_popularity(catalog):
    """No histories at all: after a birth registration the legal chain is suggested, with its basis."""
    me = person("me", [(BIRTH, AS_OF - timedelta(days=1))])
    _, [mine] = run([], extra=[me])
    codes = [r.procedure for r in mine]
    assert codes[:2] == [RESIDENCE, HEALTH_CARD]
    assert "NĐ 63/2024" in mine[0].because and "Đăng ký khai sinh" in mine[0].because


def test_id_card_age_rule(catalog):
    me = person("me", [], birth=(AS_OF + timedelta(days=20)).replace(year=AS_OF.year - 25).isoformat())
    _, [mine] = run([], extra=[me])
    assert mine[0].procedure == "1.014063" and "25 tuổi" in mine[0].because


def test_model_round_trips_through_json(catalog):
    model, _ = run(world(30))
    again = rec.Model.from_json(json.loads(json.dumps(model.to_json())))
    assert again.transitions == model.transitions and again.version == model.version


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_command_writes_one_line_per_person(tmp_path):
    histories = tmp_path / "in.jsonl"
    rows = world(30) + [person("me", [(LAND, AS_OF - timedelta(days=2))])]
    histories.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    call_command(
        "foryou",
        "recommend",
        "--histories",
        str(histories),
        "--as-of",
        "2026-06-01",
        "--k",
        "2",
        "--out",
        str(out),
        stderr=io.StringIO(),
    )
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["person"] for row in lines] == [r["person"] for r in rows]
    mine = lines[-1]
    assert set(mine) == {"person", "recommendations"}
    assert len(mine["recommendations"]) == 2
    assert set(mine["recommendations"][0]) == {"procedure", "because"}
    assert mine["recommendations"][0]["procedure"] == LAND_TAX
    # stdout when no --out: the same lines, JSON only
    stdout = io.StringIO()
    call_command(
        "foryou",
        "recommend",
        "--histories",
        str(histories),
        "--as-of",
        "2026-06-01",
        "--k",
        "2",
        stdout=stdout,
        stderr=io.StringIO(),
    )
    assert [json.loads(line) for line in stdout.getvalue().splitlines()] == lines


BAD_LINES = [
    ('{"person": "p1", "dossiers": [}', "dòng 2: không phải JSON hợp lệ"),
    (
        '{"person": "p1", "dossiers": [{"procedure": "9.999999", "received": "2026-01-02"}]}',
        "dòng 2: mã thủ tục «9.999999»",
    ),
    (
        '{"person": "p1", "dossiers": [{"procedure": "1.001193", "received": "2026-13-02"}]}',
        "dòng 2: received",
    ),
    (
        '{"person": "p1", "dossiers": [{"procedure": "1.001193", "received": "2026-07-02"}]}',
        "không trước --as-of",
    ),
    (
        '{"person": "p1", "birth_date": "1850-01-01", "dossiers": []}',
        "dòng 2: birth_date 1850-01-01 ngoài khoảng",
    ),
    ('["p1"]', "dòng 2: phải là một đối tượng JSON"),
    ('{"dossiers": []}', "dòng 2: thiếu «person»"),
    ('{"person": "p0", "dossiers": []}', "dòng 2: người «p0» đã có"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("line,message", BAD_LINES)
def test_bad_input_names_the_line_and_writes_nothing(tmp_path, line, message):
    histories = tmp_path / "in.jsonl"
    histories.write_text('{"person": "p0", "dossiers": []}\n' + line + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.raises(CommandError) as raised:
        call_command(
            "foryou",
            "recommend",
            "--histories",
            str(histories),
            "--as-of",
            "2026-06-01",
            "--k",
            "3",
            "--out",
            str(out),
        )
    assert message in str(raised.value)
    assert not out.exists()


@pytest.mark.django_db
def test_bad_arguments(tmp_path):
    histories = tmp_path / "in.jsonl"
    histories.write_text("", encoding="utf-8")
    for as_of, k, message in [
        ("2026-02-30", "3", "--as-of"),
        ("1800-01-01", "3", "ngoài khoảng"),
        ("2026-06-01", "0", "--k"),
    ]:
        with pytest.raises(CommandError, match=message):
            call_command("foryou", "recommend", "--histories", str(histories), "--as-of", as_of, "--k", k)
    with pytest.raises(CommandError, match="Không đọc được"):
        call_command(
            "foryou", "recommend", "--histories", str(tmp_path / "nope"), "--as-of", "2026-06-01", "--k", "3"
        )


def test_exit_status_is_non_zero_on_bad_input(tmp_path):
    histories = tmp_path / "in.jsonl"
    histories.write_text('{"person": "p1", "dossiers": [{"procedure": "1.001193", "received": "x"}]}\n')
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "foryou",
            "recommend",
            "--histories",
            str(histories),
            "--as-of",
            "2026-06-01",
            "--k",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "MOTCUA_EMBEDDED": "1"},
        timeout=120,
    )
    assert done.returncode != 0
    assert "dòng 1" in done.stderr and done.stdout == ""


def test_the_recommender_never_imports_the_bench():
    """The evaluation's generator (bench/recommend.py) holds the world's probabilities: no module
    of motcua may import it (nor may product code import anything else from bench/)."""
    offenders = []
    for path in (ROOT / "motcua").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
                names = [
                    a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                ]
            is_test = "tests" in path.parts or path.name.startswith("test_")
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                # product code imports nothing of bench/; tests may time things, never the generator
                if (n == "bench" or n.startswith("bench."))
                and (not is_test or n.startswith("bench.recommend"))
            ]
    assert offenders == []
    source = (ROOT / "motcua" / "foryou" / "recommend.py").read_text(encoding="utf-8")
    assert "0.85" not in source and "expovariate" not in source  # none of the world's numbers
