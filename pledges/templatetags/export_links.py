"""Download links in templates: `{% export_url "evidence" "xlsx" query_string %}`.

A file has one address whatever the page's language (the Korean root, /export/…), with only the
filters its table accepts (exports.page.file_url), so a page never links a download that refuses
one of the page's parameters.
"""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.urls import reverse

from pledges.exports import file_url

register = template.Library()


@register.simple_tag
def export_url(table: str, fmt: str, query_string: str = "") -> str:
    return file_url(table, fmt, QueryDict(query_string or ""))


@register.simple_tag
def export_page_url(query_string: str = "") -> str:
    """The /export/ page (in the page's language) carrying these filters."""
    url = reverse("export:index")
    return f"{url}?{query_string}" if query_string else url
