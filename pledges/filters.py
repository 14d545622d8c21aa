"""FilterSets shared by the public list pages and the exports, so a page and its download agree."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models import (
    BudgetFigure,
    Category,
    Evidence,
    Jurisdiction,
    Milestone,
    Pledge,
    Promiser,
    Status,
    StatusChange,
)
from pledges.models.pledges import search_key


class BlankTolerantFilterSet(django_filters.FilterSet):
    """Blank parameters mean "no filter": a form's empty "All" option must not be an error."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "lists"):
            cleaned = data.copy()
            for key, values in data.lists():
                kept = [v for v in values if v.strip()]
                if kept:
                    cleaned.setlist(key, kept)
                else:
                    del cleaned[key]
            data = cleaned
        super().__init__(data, *args, **kwargs)


class PledgeFilter(BlankTolerantFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("Status"))
    promiser = django_filters.ModelChoiceFilter(
        queryset=Promiser.objects.all(), to_field_name="slug", label=_("Promiser")
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(), to_field_name="slug", label=_("Region")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label=_("Category")
    )
    pledge = django_filters.CharFilter(field_name="slug", label=_("Pledge (slug)"))
    updated_from = django_filters.DateFilter(
        field_name="status_since", lookup_expr="gte", label=_("Status changed from")
    )
    updated_to = django_filters.DateFilter(
        field_name="status_since", lookup_expr="lte", label=_("Status changed until")
    )

    class Meta:
        model = Pledge
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Korean users type with or without spaces ("국가AI" / "국가 AI"), with particles and
        # 인공지능 for AI: the pledge's search key (models.pledges.search_key) ignores all of
        # that. On PostgreSQL its pg_trgm GIN index keeps the substring search fast.
        key = search_key(value).split(" ")[0]
        if not key:  # only punctuation: look for it as written
            return queryset.filter(Q(title__icontains=value) | Q(code__icontains=value))
        return queryset.filter(search_key__contains=key)


# --- Export filters: a child table's own date range ----------------------------------------
# The exports select pledges with PledgeFilter (same parameters as the list page) and restrict
# each child table to those pledges; these FilterSets add only the child's own date range.


class OwnDateRangeFilter(BlankTolerantFilterSet):
    """`date_from`/`date_to`: inclusive calendar days in Asia/Seoul on the row's own date."""

    date_from = django_filters.DateFilter(method="filter_own_date", label=_("From (date)"))
    date_to = django_filters.DateFilter(method="filter_own_date", label=_("Until (date)"))

    # The first non-empty of these fields is the row's own date.
    own_date_fields: tuple[str, ...] = ()
    own_date_is_datetime = False

    def filter_own_date(self, queryset, name, value):
        lookup = "gte" if name == "date_from" else "lte"
        bound = value
        if self.own_date_is_datetime:
            # A Seoul calendar day, as an aware instant; the column keeps its index.
            day = value if lookup == "gte" else value + dt.timedelta(days=1)
            bound = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())
            lookup = "gte" if lookup == "gte" else "lt"
        if len(self.own_date_fields) == 1:
            return queryset.filter(**{f"{self.own_date_fields[0]}__{lookup}": bound})
        alias = f"own_date_{name}"
        return queryset.alias(**{alias: Coalesce(*self.own_date_fields)}).filter(
            **{f"{alias}__{lookup}": bound}
        )


class EvidenceExportFilter(OwnDateRangeFilter):
    own_date_fields = ("article__published_at",)
    own_date_is_datetime = True

    class Meta:
        model = Evidence
        fields: list[str] = []


class BudgetFigureExportFilter(OwnDateRangeFilter):
    own_date_fields = ("as_of",)

    class Meta:
        model = BudgetFigure
        fields: list[str] = []


class StatusChangeExportFilter(OwnDateRangeFilter):
    own_date_fields = ("effective_date",)

    class Meta:
        model = StatusChange
        fields: list[str] = []


class MilestoneExportFilter(OwnDateRangeFilter):
    # Done milestones by the day they happened, open ones by the day they are planned for.
    own_date_fields = ("actual_date", "planned_date")

    class Meta:
        model = Milestone
        fields: list[str] = []
