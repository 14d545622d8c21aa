"""The cheap drawing of a desk page's many rows (admin/rows.py): the same URLs as reverse(),
and the same HTML as format_html, each row's values escaped, in the reader's language."""

from __future__ import annotations

from django.urls import reverse, set_script_prefix
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from pledges.admin.rows import row_html, row_url


def test_row_urls_are_what_reverse_gives_for_every_id_and_script_prefix():
    for pk in (1, 42, 987_654_321_000):
        assert row_url("admin:pledges_evidence_confirm", pk) == reverse(
            "admin:pledges_evidence_confirm", args=[pk]
        )
    assert row_url("admin:pledges_evidence_budget_edit", 7, 0) == reverse(
        "admin:pledges_evidence_budget_edit", args=[7, 0]
    )
    set_script_prefix("/tracker/")
    try:
        assert (
            row_url("admin:pledges_evidence_change", 5)
            == "/tracker/admin/pledges/evidence/5/change/"
        )
    finally:
        set_script_prefix("/")
    assert row_url("admin:pledges_evidence_change", 5) == "/admin/pledges/evidence/5/change/"


def _draw(*, name, inner) -> str:
    return format_html('<b title="{}">{}</b>{}', _("Reject"), name, inner)


def test_row_html_escapes_each_rows_values_and_speaks_the_readers_language():
    values = {"name": '<script>"x"</script>', "inner": mark_safe("<i>safe</i>")}
    with override("ko"):
        korean = row_html(_draw, **values)
    with override("en"):
        english = row_html(_draw, **values)
    assert korean == format_html('<b title="기각">{}</b><i>safe</i>', values["name"])
    assert english == format_html('<b title="Reject">{}</b><i>safe</i>', values["name"])
    assert "<script>" not in korean and "&lt;script&gt;&quot;x&quot;" in korean
