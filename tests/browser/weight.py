"""How heavy a page is, as the browser fetched it: the document and everything it loaded."""

from playwright.sync_api import Page

#: A page of the citizen side must stay usable on a slow 3G line (about 50 kB/s): 150 kB at most,
#: fonts and styles included (the HTML itself is far smaller).
MAX_CITIZEN_PAGE_BYTES = 150_000

_WEIGHT_JS = """() => {
  const of = (type) => performance.getEntriesByType(type);
  const entries = [...of('navigation'), ...of('resource')];
  return entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
}"""


def page_weight(page: Page) -> int:
    """Bytes of the document and its resources, before decompression (what crosses the line)."""
    page.wait_for_load_state("load")
    return int(page.evaluate(_WEIGHT_JS))


def check_weight(page: Page, name: str, report: list | None = None) -> int:
    weight = page_weight(page)
    print(f"page weight: {name}: {weight / 1000:.1f} kB")  # noqa: T201 — shown with -s, in the CI log
    if report is not None:
        report.append((name, weight))
    assert weight <= MAX_CITIZEN_PAGE_BYTES, f"{name} weighs {weight} bytes"
    return weight
