"""Registry sandbox: start-up cost and lookup latency over the synthetic population, in-process.

References measured in the same run: a Python dict lookup of a prepared record (the floor of any
in-memory registry) and reading one row by primary key from the database (what a stored
population would cost). Cold = the household is rebuilt from its seed; warm = from the LRU cache.
"""

import io
import random
import statistics
import time

from bench.checks import BenchCheckFailed
from bench.search_bench import _pct, _setup_django


def _timed(fn, keys, check=None) -> list[float]:
    """µs per call of fn(key); `check(key, answer)` must hold for every answer timed."""
    out = []
    for key in keys:
        started = time.perf_counter()
        answer = fn(key)
        out.append((time.perf_counter() - started) * 1e6)
        if check is not None and not check(key, answer):
            raise BenchCheckFailed(f"{getattr(fn, '__name__', fn)}({key!r}) answered {answer!r:.80}")
    return out


def _person_is(key, person) -> bool:
    return person is not None and person.id_number == key


def main(postgres: bool = False) -> None:
    label = _setup_django(postgres)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_places", stdout=io.StringIO(), stderr=io.StringIO())

    from motcua import registries
    from motcua.places.models import AdminUnit
    from motcua.registries import sandbox

    started = time.perf_counter()
    size = sandbox.population_size()
    startup_ms = (time.perf_counter() - started) * 1000
    rng = random.Random(1)
    indices = [rng.randrange(size) for _ in range(2000)]
    numbers = [sandbox.person_at(i).id_number for i in indices]
    population = registries.get("population")
    sandbox.households._household_cached.cache_clear()
    cold = _timed(population.person, numbers, _person_is)
    warm = _timed(population.person, numbers, _person_is)
    table = {n: sandbox.person_at(sandbox.index_of(n)) for n in numbers}
    ref_dict = _timed(table.get, numbers, _person_is)
    pks = list(AdminUnit.objects.values_list("pk", flat=True))
    ref_db = _timed(
        lambda pk: AdminUnit.objects.get(pk=pk),
        [rng.choice(pks) for _ in range(2000)],
        lambda pk, row: row.pk == pk,
    )
    orgs = [sandbox.organisation_at(rng.randrange(sandbox.organisation_count())).tax_code for _ in range(500)]
    sandbox.records._organisation.cache_clear()
    org_cold = _timed(
        registries.get("business").organisation,
        orgs,
        lambda key, org: org is not None and org.tax_code == key,
    )

    print(
        f"[registries, {label}] {size:,} people, {sandbox.organisation_count():,} organisations; "
        f"first use (household shapes) {startup_ms:.0f} ms"
    )
    for name, values in (
        ("person, cold", cold),
        ("person, warm", warm),
        ("organisation, cold", org_cold),
        ("reference: dict lookup", ref_dict),
        ("reference: one row by pk", ref_db),
    ):
        print(f"  {name:<26} median {statistics.median(values):8.1f} µs  p95 {_pct(values, 95):8.1f} µs")
    print(
        f"  ratio cold lookup / row by pk (p50): {statistics.median(cold) / statistics.median(ref_db):.2f}x; "
        f"warm / dict: {statistics.median(warm) / statistics.median(ref_dict):.0f}x"
    )
