"""Shared test fixtures: the real reference data and a real Chromium for browser tests."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

# pytest-django's live_server with Playwright's sync API (see research/stack.md §8).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_REQUIRED = os.environ.get("MOTCUA_REQUIRE_BROWSER") == "1"
_browser_skips: list[str] = []


def load_reference_data() -> None:
    """The shipped calendar, administrative units, agencies and the whole procedure catalog."""
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    call_command("load_calendar", **quiet)
    call_command("load_places", **quiet)
    call_command("import_catalog", **quiet)
    call_command("load_forms", **quiet)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real data once per session; `db` tests see it and roll back their own changes."""
    with django_db_blocker.unblock():
        load_reference_data()


@pytest.fixture
def reference_data(db):
    from motcua.catalog.models import Procedure

    if not Procedure.objects.exists():  # a transactional test before us flushed the tables
        load_reference_data()


#: Reference data that browser tests read but never change: kept when their test ends, so each
#: browser test does not pay ~40 s to load the catalog and the places again.
REFERENCE_APPS = {"catalog", "places"}
REFERENCE_MODELS = {"core.calendarday", "eforms.formdefinition"}
_keep_reference_tables = {"on": False}


def _reference_tables(connection) -> set[str]:
    from django.apps import apps

    return {
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in REFERENCE_APPS or model._meta.label_lower in REFERENCE_MODELS
    }


def _flush_except_reference(self):
    """TransactionTestCase teardown for browser tests: empty every table but the reference ones."""
    from django.core.management.color import no_style
    from django.db import connections

    if not _keep_reference_tables["on"]:
        return _django_flush(self)
    _keep_reference_tables["on"] = False
    for alias in self._databases_names(include_mirrors=False):
        connection = connections[alias]
        keep = _reference_tables(connection)
        tables = [t for t in connection.introspection.django_table_names(only_existing=True) if t not in keep]
        connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables))


from django.test import TransactionTestCase  # noqa: E402 — after the settings are known

_django_flush = TransactionTestCase._fixture_teardown
TransactionTestCase._fixture_teardown = _flush_except_reference


@pytest.fixture
def live_reference_data(transactional_db):
    """For browser tests: the reference data, committed, visible to the live server's thread.

    Other transactional tests flush every table, so load the data again when it is gone.
    """
    from motcua.catalog.models import Procedure

    if not Procedure.objects.exists():
        load_reference_data()
    _keep_reference_tables["on"] = True


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    reason = "BROWSER TESTS SKIPPED: Debian chromium is not installed (apt-get install chromium)"
    browser_items = [item for item in items if "browser" in item.keywords]
    if browser_items and BROWSER_REQUIRED:
        raise pytest.UsageError(f"{reason}; MOTCUA_REQUIRE_BROWSER=1 forbids skipping them.")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))
        _browser_skips.append(item.nodeid)


def pytest_terminal_summary(terminalreporter):
    if _browser_skips:
        terminalreporter.write_sep(
            "!", f"{len(_browser_skips)} BROWSER TESTS SKIPPED: chromium not found", red=True
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none (as after a restart)."""
    from django.core.cache import cache

    from motcua.registries import sandbox

    cache.clear()
    # The sandbox re-reads today at most once a second: a test that moved the clock must not leave
    # its day to the next test (a person's card and phone depend on the day they are looked up).
    sandbox.world._today_cache[:] = [0.0, None]
    yield


@pytest.fixture(autouse=True)
def _vietnamese_first():
    """Each test starts in Vietnamese: a request to an /en/ page leaves English active in the thread
    (LocaleMiddleware does not switch back), which would turn later tests' reverse() into /en/ URLs."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, with the second factor the admin site asks for."""
    from motcua.eid.testing import sign_in_officer

    return sign_in_officer(client, admin_user)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


#: WCAG 2.1 A and AA rules of axe-core (bundled by axe-playwright-python; no download at run time).
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def assert_accessible():
    """`assert_accessible(page)`: zero axe-core violations of WCAG 2.1 AA on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> None:
        options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
        results = axe.run(page, options=options)
        violations = results.response["violations"]
        detail = "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
            for v in violations
        )
        assert not violations, f"axe-core found WCAG 2.1 AA violations on {page.url}:\n{detail}"

    return check
