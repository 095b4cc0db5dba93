"""Which user-facing strings lack an English translation (bản dịch tiếng Anh còn thiếu).

The site is Vietnamese first and English complete. This module finds every string marked for
translation — in templates (`{% translate %}`, `{% blocktranslate %}`) and in Python
(`gettext`, `gettext_lazy`, `pgettext`, `ngettext`, …) — and reads the English catalogue
(`locale/en/LC_MESSAGES/django.po`) to say which ones have no English text, and whether the
compiled `.mo` is in step with the `.po`. The test suite runs it, so a new string without a
translation fails `make test`.

The message ids are computed the way Django computes them at run time (the template nodes' own
`render_token_list`), so a string found here is exactly the one Django looks up.
"""

from __future__ import annotations

import ast
import gettext as gettext_module
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template import Engine
from django.template.base import Node
from django.templatetags.i18n import BlockTranslateNode, TranslateNode

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

#: Python callables that mark a string for translation, with the index of the message id argument
#: and of the context argument (for the `p…` forms).
_PY_MARKERS = {
    "gettext": (0, None),
    "gettext_lazy": (0, None),
    "_": (0, None),
    "ngettext": (0, None),
    "ngettext_lazy": (0, None),
    "pgettext": (1, 0),
    "pgettext_lazy": (1, 0),
    "npgettext": (1, 0),
    "npgettext_lazy": (1, 0),
}


@dataclass(frozen=True)
class Message:
    msgid: str
    context: str | None
    where: str
    plural: str | None = None

    @property
    def key(self) -> str:
        # The key GNU gettext uses in a compiled catalogue.
        return f"{self.context}\x04{self.msgid}" if self.context else self.msgid


def _template_files() -> Iterator[Path]:
    for path in sorted(PACKAGE_ROOT.rglob("templates/**/*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg"}:
            yield path


_TEMPLATE_UNDERSCORE = re.compile(r"""\b_\("([^"\\]*)"\)""")


def _walk(nodelist) -> Iterator[Node]:
    for node in nodelist:
        yield node
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if child:
                yield from _walk(child)
        # {% if %} keeps its branches in conditions_nodelists, not in child_nodelists.
        for _condition, child in getattr(node, "conditions_nodelists", ()):
            yield from _walk(child)


def _literal(filter_expression) -> str | None:
    var = getattr(filter_expression, "var", None)
    literal = getattr(var, "literal", None)
    return literal if isinstance(literal, str) else None


def template_messages() -> Iterator[Message]:
    engine = Engine.get_default()
    for path in _template_files():
        source = path.read_text(encoding="utf-8")
        try:
            template = engine.from_string(source)
        except Exception as exc:  # a template that does not compile is a failure of its own
            raise AssertionError(f"{path}: {exc}") from exc
        where = str(path.relative_to(PACKAGE_ROOT.parent))
        # _("…") as a filter argument or tag argument, e.g. {{ x|default:_("Không có") }}
        for literal in _TEMPLATE_UNDERSCORE.findall(source):
            yield Message(literal, None, where)
        for node in _walk(template.nodelist):
            if isinstance(node, TranslateNode):
                msgid = _literal(node.filter_expression)
                if msgid is None:  # {% translate variable %}: nothing to check statically
                    continue
                context = _literal(node.message_context) if node.message_context else None
                yield Message(msgid, context, where)
            elif isinstance(node, BlockTranslateNode):
                context = _literal(node.message_context) if node.message_context else None
                singular, _vars = node.render_token_list(node.singular)
                plural = None
                if node.plural and node.countervar:
                    plural, _vars = node.render_token_list(node.plural)
                yield Message(singular, context, where, plural)


def _python_files() -> Iterator[Path]:
    for path in sorted(PACKAGE_ROOT.rglob("*.py")):
        parts = set(path.parts)
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def python_messages() -> Iterator[Message]:
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        where = str(path.relative_to(PACKAGE_ROOT.parent))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in _PY_MARKERS:
                continue
            id_index, ctx_index = _PY_MARKERS[name]
            args = node.args
            if len(args) <= id_index or not _is_str(args[id_index]):
                continue
            context = args[ctx_index].value if ctx_index is not None and _is_str(args[ctx_index]) else None
            plural = None
            if name.startswith(("ngettext", "npgettext")) and len(args) > id_index + 1:
                plural = args[id_index + 1].value if _is_str(args[id_index + 1]) else None
            yield Message(args[id_index].value, context, f"{where}:{node.lineno}", plural)


def _is_str(node) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


# --- the English catalogue ------------------------------------------------------------------------


def catalogue_path(language: str = "en") -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> dict[str, list[str]]:
    """The entries of a .po file: key (context EOT id, as in a .mo) → its translations.

    Entries are separated by blank lines, as makemessages writes them. Fuzzy and obsolete
    entries are left out: gettext does not use them.
    """
    entries: dict[str, list[str]] = {}
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields: dict[str, str] = {}
        field = None
        fuzzy = False
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
            elif line:
                field, _, rest = line.partition(" ")
                fields[field] = ast.literal_eval(rest)
        if fuzzy or not fields.get("msgid"):
            continue
        key = fields["msgid"]
        if "msgctxt" in fields:
            key = f"{fields['msgctxt']}\x04{key}"
        plurals = sorted(k for k in fields if k.startswith("msgstr["))
        entries[key] = [fields[k] for k in plurals] if plurals else [fields.get("msgstr", "")]
    return entries


def compiled_catalogue(language: str = "en") -> dict[str, str]:
    mo = catalogue_path(language).with_suffix(".mo")
    with mo.open("rb") as handle:
        translations = gettext_module.GNUTranslations(handle)
    compiled: dict[str, str] = {}
    for key, text in translations._catalog.items():
        if isinstance(key, tuple):  # a plural form: (id, n); compare the singular
            if key[1] != 0:
                continue
            key = key[0]
        if key:
            compiled[key] = text
    return compiled


def missing_translations(language: str = "en") -> list[Message]:
    """Marked strings with no (or an empty, or a fuzzy) translation in the .po, one per id."""
    catalogue = read_po(catalogue_path(language))
    seen: set[str] = set()
    missing = []
    for message in [*template_messages(), *python_messages()]:
        if message.key in seen:
            continue
        seen.add(message.key)
        strings = catalogue.get(message.key)
        if not strings or not all(s.strip() for s in strings):
            missing.append(message)
    return missing


def stale_compiled_entries(language: str = "en") -> list[str]:
    """Keys whose compiled (.mo) text differs from the .po: compilemessages was not run."""
    po = read_po(catalogue_path(language))
    compiled = compiled_catalogue(language)
    stale = []
    for key, strings in po.items():
        if not all(s for s in strings):
            continue
        if compiled.get(key) != strings[0]:
            stale.append(key)
    return stale
