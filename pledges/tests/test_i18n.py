"""Korean first: every user-facing string has a Korean translation, compiled and in use."""

from pathlib import Path

import polib
from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES" / "django.po"


def test_every_string_is_translated_to_korean():
    catalog = polib.pofile(str(PO_FILE))
    assert catalog.untranslated_entries() == []
    assert catalog.fuzzy_entries() == []


def test_compiled_catalog_matches_the_po_file():
    """A stale django.mo would show English to Korean readers: `make messages` recompiles it."""
    catalog = polib.pofile(str(PO_FILE))
    with translation.override("ko"):
        for entry in catalog.translated_entries():
            if entry.msgid_plural:
                assert (
                    translation.ngettext(entry.msgid, entry.msgid_plural, 1)
                    == (entry.msgstr_plural[0])
                ), entry.msgid
            elif entry.msgctxt:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr, entry.msgid
