"""The reader's problems (``parse.Problem``) as sentences in the editor's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pledges.books.parse import Problem

_TEXTS = {
    "encoding": gettext_lazy(
        "The file's encoding could not be read: save it as CSV UTF-8 or CSV (CP949/EUC-KR)."
    ),
    "spreadsheet": gettext_lazy(
        "Excel workbooks are not read directly: in Excel choose Save As › CSV UTF-8."
    ),
    "too_big": gettext_lazy("The file is too big (at most %(limit_kb)s KB): split the book."),
    "too_many_rows": gettext_lazy("The file has more than %(limit)s pledges: split the book."),
    "empty": gettext_lazy("The file is empty."),
    "no_rows": gettext_lazy("The file has a header but no pledges."),
    "bad_format": gettext_lazy("The file could not be read: %(detail)s"),
    "not_a_list": gettext_lazy(
        'A JSON or YAML pledge book is a list of pledges, or an object with a "pledges" list.'
    ),
    "duplicate_column": gettext_lazy("The column %(column)s appears twice."),
    "missing_columns": gettext_lazy("Required columns are missing: %(columns)s."),
    "not_mapping": gettext_lazy("This item is not a pledge (an object with named fields)."),
    "extra_cells": gettext_lazy("%(count)s cell(s) beyond the last column."),
    "bad_date": gettext_lazy('"%(value)s" is not a date (write 2028-12-31, 2028-12 or 2028).'),
    "bad_budget": gettext_lazy('"%(value)s" is not an amount (write 9,000억 원 or 900000000000).'),
    "required": gettext_lazy("This field is required."),
    "not_text": gettext_lazy("Write text here, not a list or an object."),
}


# The columns of a pledge book, as the preview and the README name them.
FIELD_LABELS = {
    "code": gettext_lazy("code"),
    "slug": gettext_lazy("slug"),
    "promiser": gettext_lazy("promiser"),
    "jurisdiction": gettext_lazy("jurisdiction"),
    "category": gettext_lazy("category"),
    "title": gettext_lazy("title"),
    "title_en": gettext_lazy("English title"),
    "summary": gettext_lazy("summary"),
    "original_text": gettext_lazy("original text"),
    "source_document": gettext_lazy("source document"),
    "source_page": gettext_lazy("source page"),
    "source_url": gettext_lazy("source URL"),
    "parent": gettext_lazy("part of"),
    "target_date": gettext_lazy("target date"),
    "made_on": gettext_lazy("made on"),
    "responsible_agency": gettext_lazy("responsible agency"),
    "budget_pledged": gettext_lazy("budget pledged"),
    "aliases": gettext_lazy("matcher aliases"),
    "keywords": gettext_lazy("matcher keywords"),
    "exclusions": gettext_lazy("matcher exclusions"),
}


def column_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def problem_text(problem: Problem) -> str:
    text = _TEXTS.get(problem.code)
    message = str(text) % problem.params if text is not None else problem.code
    if problem.column:
        return _("%(column)s: %(message)s") % {
            "column": column_label(problem.column),
            "message": message,
        }
    return message
