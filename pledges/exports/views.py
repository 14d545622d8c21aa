"""Thin views over pledges.exports: parse the request, check who asks, stream the table."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pledges import exports

PLAIN_TEXT = "text/plain; charset=utf-8"
logger = logging.getLogger(__name__)


def is_editor(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def asks_for_editors_data(request) -> bool:
    """Whether this download is an editor's own variant (`include=…`, suggestions): the public
    download cache (exports/urls.py) neither serves nor keeps it, whoever asks."""
    return "include" in request.GET


@require_GET
def export_index(request) -> HttpResponse:
    """The page for reporters: every table and column (meaning, unit, example, Korean header),
    download links carrying the filters of the request. `?format=json`: the catalogue."""
    if request.GET.get("format") == "json":
        return export_catalogue(request)
    context = exports.export_page(request.GET)
    return render(request, "pledges/export.html", context, status=400 if context["error"] else 200)


@require_GET
def export_catalogue(request) -> HttpResponse:
    """The machine-readable data dictionary: tables, columns with meaning and units, parameters."""
    return JsonResponse(exports.data_dictionary(), json_dumps_params={"ensure_ascii": False})


@require_GET
def export_schema(request, table: str) -> HttpResponse:
    """The JSON Schema a table's JSON export follows, for validating downloads."""
    if table not in exports.TABLES:
        raise Http404("No such export; see /export/ for the tables and formats.")
    return JsonResponse(
        exports.json_schema(table),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
        content_type="application/schema+json",
    )


@require_GET
def export_table(request, table: str, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS or table not in exports.TABLES:
        raise Http404("No such export; see /export/ for the tables and formats.")
    try:
        options = exports.parse_options(request.GET)
        # Suggestions are unreviewed machine output: refuse rather than silently serve less.
        if options.include_suggested and not is_editor(request.user):
            return HttpResponseForbidden(
                "include=suggested is for logged-in editors; leave it out for the public data.",
                content_type=PLAIN_TEXT,
            )
        export = exports.prepare_export(
            table, options.filters, include_suggested=options.include_suggested
        )
    except exports.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type=PLAIN_TEXT)
    if fmt == "xlsx":
        return _xlsx_response(export, options)
    response = StreamingHttpResponse(
        _fail_loudly(
            export.stream(fmt, bom=options.bom, korean=options.korean_headers),
            request.get_full_path(),
        ),
        content_type=exports.FORMATS[fmt],
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(fmt)}"'
    if options.include_suggested:
        response["Cache-Control"] = "private, no-store"
    return response


def _xlsx_response(export, options) -> HttpResponse:
    """An XLSX is complete before its first byte (a zip's directory comes last): it is built in
    a temporary file first, so a failure is a 4xx/5xx status, never a truncated workbook."""
    try:
        workbook = export.xlsx_file(korean=options.korean_headers)
    except exports.ExportError as error:
        return HttpResponseBadRequest(str(error), content_type=PLAIN_TEXT)
    response = FileResponse(
        workbook,
        content_type=exports.FORMATS["xlsx"],
        as_attachment=True,
        filename=export.filename("xlsx"),
    )
    if options.include_suggested:
        response["Cache-Control"] = "private, no-store"
    return response


def _fail_loudly(chunks: Iterator[bytes], what: str) -> Iterator[bytes]:
    """Once the 200 and the first bytes are out, an error (the database gone) can no longer be
    a status code. It must not pass for the end of the file either, so nothing is appended (no
    closing bracket, no error row in the data): the exception propagates and the server aborts
    the response, which a client sees as an incomplete transfer (chunked encoding without its
    last chunk behind gunicorn)."""
    try:
        yield from chunks
    except Exception:
        logger.exception("export %s failed mid-stream; the response is aborted", what)
        raise
