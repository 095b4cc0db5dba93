"""One money formatter for every page, PDF and export (issue 13, item 4): "100.000 đồng", never
"100000 đồng" or "100,000 Việt Nam Đồng" on a Vietnamese page."""

import re
from decimal import Decimal
from pathlib import Path

from django.template import Context, Template
from django.utils import translation

from motcua.core.money import format_number, format_vnd

ROOT = Path(__file__).resolve().parents[3]


def test_amounts_are_grouped_the_vietnamese_way_and_the_english_way():
    with translation.override("vi"):
        assert format_vnd(100000) == "100.000 đồng"
        assert format_vnd(Decimal("1500000")) == "1.500.000 đồng"
        assert format_vnd(0) == "0 đồng"
        assert format_vnd(999) == "999 đồng"
        assert format_vnd(None) == ""
        assert format_number(-1234567) == "-1.234.567"
        assert format_number("2.5") == "2,5"
    with translation.override("en"):
        assert format_vnd(100000) == "100,000 VND"
        assert format_number(Decimal("1234.50")) == "1,234.5"


def test_what_is_not_a_number_is_shown_as_is_instead_of_failing():
    assert format_number("không rõ") == "không rõ"
    assert format_vnd("") == ""


def test_the_money_filters_and_the_portal_filters_print_the_same():
    with translation.override("vi"):
        values = Context({"a": 150000, "n": 2500})
        money = Template("{% load money %}{{ a|vnd }}|{{ n|num }}").render(values)
        portal = Template("{% load portal %}{{ a|vnd }}|{{ n|num }}").render(values)
    assert money == portal == "150.000 đồng|2.500"


#: An amount variable printed without the formatter ("100000 đồng"): the bug this replaced.
RAW_TOTAL = re.compile(r"\{\{\s*[\w.]*total\s*\}\}\s*(đồng|\{% translate \"đồng\")")
RAW_AMOUNT = re.compile(r"\{\{\s*[\w.]*(amount|reduction|fee_due|fee_paid)\s*\}\}")
#: The same inside {% blocktranslate with amount=x.amount %}: the value given without |vnd.
RAW_WITH = re.compile(r"=[\w.]*\.(amount|reduction|fee_due|fee_paid)(?=[\s%])")
#: A blocktranslate body: its {{ amount }} is the formatted value named in the header.
BLOCK_BODY = re.compile(r"(\{% blocktranslate[^%]*%\}).*?\{% endblocktranslate %\}", re.DOTALL)
#: Amounts formatted by hand in Python instead of by motcua.core.money.
HAND_FORMATTED = re.compile(r""":,\}"\)?\.replace\(",", "\."\)""")


def test_no_template_or_module_prints_an_amount_without_the_formatter():
    offenders = []
    for path in (ROOT / "motcua").rglob("templates/**/*.html"):
        text = BLOCK_BODY.sub(r"\1", path.read_text(encoding="utf-8"))
        for pattern in (RAW_AMOUNT, RAW_TOTAL, RAW_WITH):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    for path in (ROOT / "motcua").rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in HAND_FORMATTED.finditer(text)]
    assert not offenders, "amounts printed without motcua.core.money:\n" + "\n".join(offenders)
