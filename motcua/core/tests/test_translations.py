"""Every string marked for translation has English text, and the compiled catalogue is current."""

from pathlib import Path

from motcua.core import translations


def test_every_marked_string_has_an_english_translation():
    missing = translations.missing_translations("en")
    listing = "\n".join(f"  {m.where}: {m.msgid!r}" for m in missing[:50])
    assert not missing, (
        f"{len(missing)} strings have no English translation in motcua/locale/en/LC_MESSAGES/django.po "
        f"(add them, then run compilemessages -l en):\n{listing}"
    )


def test_the_compiled_english_catalogue_matches_the_po_file():
    stale = translations.stale_compiled_entries("en")
    assert not stale, f"django.mo is older than django.po; run compilemessages -l en. First: {stale[:5]}"


def test_the_scan_finds_template_and_python_strings_with_their_django_message_ids():
    template_ids = {m.msgid for m in translations.template_messages()}
    python_ids = {m.msgid for m in translations.python_messages()}
    # A {% blocktranslate %} with a variable is looked up as "%(code)s", as Django renders it.
    assert "Phản ánh %(code)s" in template_ids
    # A plain {% translate %} and a gettext() call in Python.
    assert "Hồ sơ của tôi" in template_ids
    # _("…") as a filter argument: {{ item.issuer|default:_("Cơ quan nhà nước") }}
    assert "Cơ quan nhà nước" in template_ids
    assert "Chọn ngày đối soát." in python_ids


def test_the_po_reader_leaves_out_fuzzy_and_untranslated_entries(tmp_path: Path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\n'
        '#: a.html\nmsgid "Có"\nmsgstr "Yes"\n\n'
        '#, fuzzy\nmsgid "Không"\nmsgstr "No"\n\n'
        'msgid "Trống"\nmsgstr ""\n\n'
        'msgctxt "tra cứu"\nmsgid "Mã"\nmsgstr ""\n"Code"\n\n'
        'msgid "%(n)s tệp"\nmsgid_plural "%(n)s tệp"\nmsgstr[0] "%(n)s file"\nmsgstr[1] "%(n)s files"\n',
        encoding="utf-8",
    )
    entries = translations.read_po(po)
    assert entries["Có"] == ["Yes"]
    assert "Không" not in entries  # fuzzy: gettext ignores it
    assert entries["Trống"] == [""]  # present but untranslated
    assert entries["tra cứu\x04Mã"] == ["Code"]
    assert entries["%(n)s tệp"] == ["%(n)s file", "%(n)s files"]
