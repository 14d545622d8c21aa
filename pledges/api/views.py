"""Read-only views of /api/v1/. Thin: rows come from pledges.selectors (published pledges and
what editors confirmed, nothing else), filters from pledges.api.filters, shapes from
pledges.api.serializers. GET, HEAD and OPTIONS only: any write is a 405."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from pledges import selectors
from pledges.api import serializers
from pledges.api.filters import PublicFilterBackend
from pledges.filters import (
    BudgetFigureExportFilter,
    EvidenceExportFilter,
    MilestoneExportFilter,
    StatusChangeExportFilter,
)
from pledges.models import STATUS_DEFINITIONS, BudgetSummary, Status

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class StableCursorPagination(CursorPagination):
    """Cursor pages over a unique column (pledge code, else id): no row is skipped or repeated
    while rows are added, and a page costs the same at the millionth row as at the first."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "pk"

    def get_ordering(self, request, queryset, view):
        return (getattr(view, "cursor_ordering", self.ordering),)

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        # A hand-made cursor must not reach the database as a value it cannot compare.
        if cursor is not None and cursor.position is not None:
            position = cursor.position
            ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
            numeric = ordering.lstrip("-") == "pk"
            if "\x00" in position or len(position) > 200:
                raise NotFound(self.invalid_cursor_message)
            digits = position.removeprefix("-")
            if numeric and not (digits.isascii() and digits.isdigit() and len(digits) < 20):
                raise NotFound(self.invalid_cursor_message)
        return cursor


class ReadersLanguageMixin:
    """Error messages in the reader's language (Accept-Language, or the site's language cookie);
    Korean by default. Data do not depend on it: labels come in both languages."""

    def initial(self, request, *args, **kwargs):
        translation.activate(translation.get_language_from_request(request))
        request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:
            patch_vary_headers(response, ["Accept-Language"])
        return response


class PublicReadViewSet(ReadersLanguageMixin, viewsets.ReadOnlyModelViewSet):
    """The common parts: the filter backend, cursor pagination and the links helper."""

    filter_backends = [PublicFilterBackend]
    pagination_class = StableCursorPagination
    cursor_ordering = "pk"
    pledge_path: str | None = "pledge"
    own_filter = None

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["links"] = serializers.Links(self.request)
        return context


@extend_schema_view(
    list=extend_schema(
        summary="Published pledges",
        description="Published pledges in code order, with their current status, confirmed "
        "money and count of confirmed evidence. Filters as on /pledges/ and /export/.",
    ),
    retrieve=extend_schema(summary="One published pledge, by slug"),
)
class PledgeViewSet(PublicReadViewSet):
    serializer_class = serializers.PledgeSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    cursor_ordering = "code"
    pledge_path = None

    def get_queryset(self):
        return selectors.public_pledges_with_parent()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.PledgeDetailSerializer
        return serializers.PledgeSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            attach_public_summaries(page)
        return page

    def get_object(self):
        pledge = super().get_object()
        attach_public_summaries([pledge])
        return pledge


def attach_public_summaries(pledges: list) -> None:
    """Each pledge's money and evidence count, read for the whole page in two queries."""
    ids = [p.pk for p in pledges]
    money = selectors.budget_summaries(ids)
    counts = selectors.confirmed_evidence_counts(ids)
    for pledge in pledges:
        pledge.public_money = money.get(pledge.pk) or BudgetSummary()
        pledge.public_evidence_count = counts.get(pledge.pk, 0)


@extend_schema_view(
    list=extend_schema(
        summary="Status changes",
        description="Every rating change of published pledges, newest id last, each with the "
        "confirmed evidence it rests on. `date_from`/`date_to` apply to `effective_date`.",
    ),
    retrieve=extend_schema(summary="One status change"),
)
class StatusChangeViewSet(PublicReadViewSet):
    serializer_class = serializers.StatusChangeSerializer
    own_filter = StatusChangeExportFilter

    def get_queryset(self):
        return selectors.public_status_changes_with_evidence()


@extend_schema_view(
    list=extend_schema(
        summary="Budget figures",
        description="Confirmed budget figures of published pledges in integer KRW. "
        "`date_from`/`date_to` apply to `as_of`.",
    ),
    retrieve=extend_schema(summary="One budget figure"),
)
class BudgetFigureViewSet(PublicReadViewSet):
    serializer_class = serializers.BudgetFigureSerializer
    own_filter = BudgetFigureExportFilter

    def get_queryset(self):
        return selectors.public_budget_figures()


@extend_schema_view(
    list=extend_schema(
        summary="Milestones",
        description="Planned and reached milestones of published pledges. `date_from`/`date_to` "
        "apply to the actual date, else the planned date.",
    ),
    retrieve=extend_schema(summary="One milestone"),
)
class MilestoneViewSet(PublicReadViewSet):
    serializer_class = serializers.MilestoneSerializer
    own_filter = MilestoneExportFilter

    def get_queryset(self):
        return selectors.public_milestones()


@extend_schema_view(
    list=extend_schema(
        summary="Evidence",
        description="News articles an editor confirmed as evidence for a published pledge, with "
        "the sentences that justify the link. `date_from`/`date_to` apply to the article's "
        "publication day in Asia/Seoul.",
    ),
    retrieve=extend_schema(summary="One piece of evidence"),
)
class EvidenceViewSet(PublicReadViewSet):
    serializer_class = serializers.EvidenceSerializer
    own_filter = EvidenceExportFilter

    def get_queryset(self):
        return selectors.public_evidence()


@extend_schema_view(
    list=extend_schema(
        summary="Promisers",
        description="Who made the published pledges, with how many each.",
    ),
    retrieve=extend_schema(summary="One promiser, by slug"),
)
class PromiserViewSet(
    ReadersLanguageMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.PromiserSerializer
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    pagination_class = None  # a handful of rows

    def get_queryset(self):
        return selectors.public_promisers()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["links"] = serializers.Links(self.request)
        return context


class StatusViewSet(ReadersLanguageMixin, viewsets.ViewSet):
    """The status vocabulary: codes, labels and definitions, as /statuses/ shows them."""

    serializer_class = serializers.StatusSerializer

    @extend_schema(
        summary="Statuses",
        description="Every status code with its label and public definition in Korean and "
        "English, and how it counts in the fulfilment rate.",
        responses=serializers.StatusSerializer(many=True),
    )
    def list(self, request):
        definitions = serializers.status_definitions()
        labels = serializers.choice_labels(Status)
        rows = [
            {
                "code": value,
                "label": labels[value],
                "definition": definitions[value],
                "counts_in_rate": definition.counts_in_rate,
                "counts_as_kept": float(definition.counts_as_kept),
            }
            for value, definition in STATUS_DEFINITIONS.items()
        ]
        return Response(serializers.StatusSerializer(rows, many=True).data)


def not_found(request, path: str = ""):
    """Any other address under /api/v1/: a JSON 404 that says where to look."""
    with translation.override(translation.get_language_from_request(request)):
        message = _("No such API address; the list of endpoints is at /api/v1/.")
    response = JsonResponse(
        {"detail": message}, status=404, json_dumps_params={"ensure_ascii": False}
    )
    patch_vary_headers(response, ["Accept-Language"])
    return response
