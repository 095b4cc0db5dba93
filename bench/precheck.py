"""The officers' completeness pre-check (motcua/guide/precheck.py) on demo dossiers with injected
defects: precision and recall per kind of finding, beside a reference measured in the same run
(a checker that flags every possible defect on every dossier: its precision is the defect rate).

Each demo dossier is received at the counter for a synthetic resident of the population sandbox,
with a readable one-page PDF for every paper its procedure requires and a form that agrees with the
registry; then 0–2 defects are injected at random: a paper removed (missing), a scan replaced by
an empty or non-PDF file (unreadable), a name or date of birth changed (mismatch).
"""

import io
import random
import time

from bench.database import fresh_database

PDF = b"%PDF-1.4\n1 0 obj<</Type /Catalog /Pages 2 0 R>>endobj\n2 0 obj<</Type /Pages /Kids [3 0 R] /Count 1>>endobj\n3 0 obj<</Type /Page /Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"  # noqa: E501
PROCEDURES = ["1.000426", "1.001612", "2.000884", "1.003091"]
CENTER = "000.00.30.H52"


def main(postgres: bool = False, dossiers: int = 60) -> None:
    label = fresh_database("precheck", postgres)
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    from motcua.catalog.models import Procedure
    from motcua.dossiers.intake import Applicant, Paper, receive_in_person
    from motcua.dossiers.models import Dossier
    from motcua.guide.precheck import _held, _required, precheck
    from motcua.people.models import OfficerRole, User
    from motcua.places.models import Agency
    from motcua.registries.sandbox import person_at

    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("migrate", verbosity=0)
    for command in ("load_calendar", "load_places", "import_catalog"):
        call_command(command, **quiet)
    centre = Agency.objects.get(code=CENTER)
    officer = User.objects.create(username="tiepnhan", full_name="Cán bộ tiếp nhận", kind=User.Kind.OFFICER)
    OfficerRole.objects.create(user=officer, agency=centre, role=OfficerRole.Role.RECEPTION)
    procedures = [Procedure.objects.get(code=c) for c in PROCEDURES]
    rng = random.Random(16)
    truth, made, index = set(), [], 0
    while len(made) < dossiers:
        person = person_at(index)
        index += 7
        if person.deceased_on or person.birth_date.year > 2006:
            continue
        procedure = procedures[len(made) % len(procedures)]
        required = [r for r in _required(procedure.current_version) if not _held(r.name)]
        papers = [
            Paper(
                r.name,
                r.id,
                copies=1,
                file=SimpleUploadedFile("giay-to.pdf", PDF, "application/pdf"),
                digitised=True,
            )
            for r in required
        ]
        form = {"ho_ten": person.full_name, "ngay_sinh": person.birth_date.strftime("%d/%m/%Y")}
        defects = rng.sample(["missing", "unreadable", "name", "birth", None, None], 2)
        if "missing" in defects and papers:
            gone = papers.pop(rng.randrange(len(papers)))
            truth.add((len(made), "missing", gone.name[:120]))
        if "birth" in defects:
            form["ngay_sinh"] = person.birth_date.replace(
                day=1 if person.birth_date.day != 1 else 2
            ).strftime("%d/%m/%Y")
            truth.add((len(made), "mismatch", "Ngày sinh"))
        name = person.full_name + (" Thị" if "name" in defects else "")
        if "name" in defects:
            truth.add((len(made), "mismatch", "Họ tên"))
        dossier = receive_in_person(
            officer,
            centre,
            procedure,
            Applicant(name=name, id_number=person.id_number),
            papers,
            form_data=form,
        )
        if "unreadable" in defects and papers:
            document = rng.choice([d for d in dossier.documents.all() if d.file])
            document.file.save(
                "hong.pdf", ContentFile(rng.choice([b"", b"MZ\x90\x00 not a scan", b"%PDF-1.4\n%%EOF"]))
            )
            truth.add((len(made), "unreadable", document.name[:120]))
        made.append(dossier.pk)

    found, elapsed, state_flags = set(), [], 0
    for i, pk in enumerate(made):
        dossier = Dossier.objects.select_related("procedure", "procedure_version").get(pk=pk)
        t0 = time.perf_counter()
        findings = precheck(dossier, officer)
        elapsed.append(time.perf_counter() - t0)
        for f in findings:
            if f.kind == "state_holds":
                state_flags += 1
            else:
                found.add((i, f.kind, f.subject))
    print(f"[precheck, {label}] {len(made)} demo dossiers, {len(truth)} injected defects")
    for kind in ("missing", "unreadable", "mismatch", None):
        t = {x for x in truth if kind is None or x[1] == kind}
        f = {x for x in found if kind is None or x[1] == kind}
        if not t and not f:
            print(f"  {kind or 'all'}: NOT MEASURED (nothing injected, nothing found)")
            continue
        tp = len(t & f)
        precision = tp / len(f) if f else 0.0
        recall = tp / len(t) if t else 0.0
        print(
            f"  {kind or 'all':>10}: precision {precision:.1%} ({tp}/{len(f)}), "
            f"recall {recall:.1%} ({tp}/{len(t)})"
        )
    possible = len(made) * 4
    print(
        f"  reference, flag every kind on every dossier: precision {len(truth) / possible:.1%}, "
        f"recall 100.0%; "
        f"papers flagged as held by the state (not to be asked for): {state_flags}"
    )
    elapsed.sort()
    print(
        f"  pre-check time: p50 {elapsed[len(elapsed) // 2] * 1000:.1f} ms, max {elapsed[-1] * 1000:.1f} ms"
    )
