"""FilterSets shared by the public list pages and the exports, so a page and its download agree."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from pledges import selectors
from pledges.korean.normalize import match_key
from pledges.models import (
    BudgetFigure,
    BudgetStage,
    Category,
    Evidence,
    Funder,
    Jurisdiction,
    Milestone,
    MilestoneKind,
    Pledge,
    PledgeType,
    Promiser,
    Status,
    StatusChange,
)

# Dates a filter accepts: beyond them date arithmetic overflows (9999-12-31 + 1 day) and no
# pledge, article or figure is dated there anyway. An error before the first byte, not after.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
DATE_RANGE = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]
# A search matching at most this many pledges is read once and then by primary key.
SEARCH_IDS_LISTED = 1000


class BlankTolerantFilterSet(django_filters.FilterSet):
    """Blank parameters mean "no filter": a form's empty "All" option must not be an error.

    Choice parameters also take the value as pages show it, in Korean or English ("이행 완료",
    "Kept", "국비", "국회 확정"), besides the stored code ("kept"); see choice_value_by_label.
    """

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and hasattr(data, "lists"):
            cleaned = data.copy()
            for key, values in data.lists():
                kept = [v for v in values if v.strip()]
                if kept:
                    cleaned.setlist(key, self._codes(key, kept))
                else:
                    del cleaned[key]
            data = cleaned
        super().__init__(data, *args, **kwargs)

    @classmethod
    def _codes(cls, name: str, values: list[str]) -> list[str]:
        flt = cls.base_filters.get(name)
        if isinstance(flt, django_filters.ModelChoiceFilter) and flt.extra.get("to_field_name"):
            return [slug_by_name(flt.queryset.model, v) for v in values]
        choices = fixed_choices(flt)
        if not choices:
            return values
        labels = choice_value_by_label(choices)
        return [
            labels.get(v.strip().casefold(), labels.get(v.replace(" ", "").casefold(), v))
            for v in values
        ]


def fixed_choices(flt: django_filters.Filter | None) -> list | None:
    """The (value, label) pairs of a filter over a fixed vocabulary; None for other filters
    (a model choice's values are slugs, its labels names)."""
    if isinstance(flt, django_filters.ModelChoiceFilter | django_filters.ModelMultipleChoiceFilter):
        return None
    if isinstance(flt, django_filters.ChoiceFilter | django_filters.MultipleChoiceFilter):
        return list(flt.extra.get("choices") or []) or None
    return None


def choice_value_by_label(choices) -> dict[str, str]:
    """The labels of `choices` as pages show them, in Korean and English, with and without
    spaces, and for "Secured (appropriated)" / "확보 (국회 확정)" also each side of the
    parentheses; and the stored values themselves: each mapped (casefolded) to the stored value.
    A label two choices share (after these variations) is left out rather than guessed."""
    known: dict[str, str] = {}
    ambiguous: set[str] = set()

    def add(key: str, value: str) -> None:
        for variant in (key.strip().casefold(), key.replace(" ", "").casefold()):
            if not variant:
                continue
            if known.get(variant, value) != value:
                ambiguous.add(variant)
            known[variant] = value

    for language in ("en", "ko"):
        with translation.override(language):
            for value, label in choices:
                label = str(label)
                add(label, value)
                outside, _paren, inside = label.partition("(")
                if inside.endswith(")"):
                    add(outside, value)
                    add(inside[:-1], value)
    for key in ambiguous:
        known.pop(key, None)
    known.update({str(value).casefold(): str(value) for value, _label in choices})
    return known


def _plain(text: str) -> str:
    return "".join(text.split()).casefold()


def slug_by_name(model, value: str) -> str:
    """A promiser, region or category named as pages show it ("대통령 이재명", "광주광역시",
    "Gwangju"), with or without spaces, to its slug; a slug, or a name no row has, is kept
    as given (an unknown one is then the filter's clear error)."""
    if model.objects.filter(slug=value).exists():
        return value
    wanted = _plain(value)
    for row in model.objects.all():
        if any(name and _plain(name) == wanted for name in row.names_shown()):
            return row.slug
    return value


def status_value_by_label() -> dict[str, str]:
    """Status labels as pages show them ("이행 완료", "Kept") and the values, to the value."""
    return choice_value_by_label(Status.choices)


class PledgeFilter(BlankTolerantFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    # A column of the pledge itself (no join, no duplicate rows): no DISTINCT, which made the
    # database compare whole rows to count a filtered list.
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label=_("Status"), distinct=False
    )
    promiser = django_filters.ModelChoiceFilter(
        queryset=Promiser.objects.all(), to_field_name="slug", label=_("Promiser")
    )
    jurisdiction = django_filters.ModelChoiceFilter(
        queryset=Jurisdiction.objects.all(), to_field_name="slug", label=_("Region")
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="slug", label=_("Category")
    )
    agency = django_filters.CharFilter(
        field_name="responsible_agency", lookup_expr="icontains", label=_("Agency")
    )
    pledge_type = django_filters.ChoiceFilter(choices=PledgeType.choices, label=_("Pledge type"))
    budget_shortfall = django_filters.BooleanFilter(
        method="filter_budget_shortfall", label=_("Planned cost not fully secured")
    )
    pledge = django_filters.CharFilter(field_name="slug", label=_("Pledge (slug)"))
    updated_from = django_filters.DateFilter(
        field_name="status_since",
        lookup_expr="gte",
        label=_("Status changed from"),
        validators=DATE_RANGE,
    )
    updated_to = django_filters.DateFilter(
        field_name="status_since",
        lookup_expr="lte",
        label=_("Status changed until"),
        validators=DATE_RANGE,
    )

    class Meta:
        model = Pledge
        fields: list[str] = []

    def search(self, queryset, name, value):
        """What the engine knows: spacing, punctuation and case do not matter, 인공지능 is AI,
        and a pledge's matcher names (aliases, keywords) find it too."""
        terms = [match_key(term) for term in value.split()]
        whole = match_key(value)
        if not whole:
            return queryset
        # The whole query without spaces ("국가 AI컴퓨팅센터"), or else every word of it.
        every_word = Q()
        for term in terms:
            if term:
                every_word &= Q(search_key__contains=term)
        found = queryset.filter(Q(search_key__contains=whole) | every_word)
        # The page counts, groups and pages the matches in several queries; each would compare
        # every pledge's key again (PostgreSQL does not take the trigram index for so few
        # rows, and LIKE over 10,000 keys costs ~15 ms). So the matches are found once, and
        # the others read them by primary key, unless the words match too many to list (or
        # none: an empty IN list is no SQL at all, which the exports' COPY cannot send).
        ids = list(found.order_by().values_list("pk", flat=True)[: SEARCH_IDS_LISTED + 1])
        if not ids or len(ids) > SEARCH_IDS_LISTED:
            return found
        return queryset.filter(pk__in=ids)

    def filter_budget_shortfall(self, queryset, name, value):
        shortfall = selectors.budget_shortfall_pledges().values("pk")
        if value:
            return queryset.filter(pk__in=shortfall)
        return queryset.exclude(pk__in=shortfall)


# --- Export filters: a child table's own date range ----------------------------------------
# The exports select pledges with PledgeFilter (same parameters as the list page) and restrict
# each child table to those pledges; these FilterSets add only the child's own date range.


class OwnDateRangeFilter(BlankTolerantFilterSet):
    """`date_from`/`date_to`: inclusive calendar days in Asia/Seoul on the row's own date."""

    date_from = django_filters.DateFilter(
        method="filter_own_date", label=_("From (date)"), validators=DATE_RANGE
    )
    date_to = django_filters.DateFilter(
        method="filter_own_date", label=_("Until (date)"), validators=DATE_RANGE
    )

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
    # Plain column filters (no join, no duplicates): no DISTINCT, which would add the ORDER BY
    # columns to the SELECT that the COPY path writes out.
    own_date_fields = ("as_of",)
    stage = django_filters.MultipleChoiceFilter(
        choices=BudgetStage.choices, label=_("Stage"), distinct=False
    )
    funder = django_filters.MultipleChoiceFilter(
        choices=Funder.choices, label=_("Funder"), distinct=False
    )

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
    kind = django_filters.MultipleChoiceFilter(
        choices=MilestoneKind.choices, label=_("Kind"), distinct=False
    )

    class Meta:
        model = Milestone
        fields: list[str] = []
