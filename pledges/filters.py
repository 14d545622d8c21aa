"""FilterSets shared by the public list pages and the exports, so a page and its download agree."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pledges.models import Category, Jurisdiction, Pledge, Promiser, Status


class PledgeFilter(django_filters.FilterSet):
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
        # Korean users type with or without spaces ("국가AI" / "국가 AI"): match both.
        compact = value.replace(" ", "")
        query = Q()
        for term in {value, compact}:
            query |= (
                Q(title__icontains=term)
                | Q(title_en__icontains=term)
                | Q(summary__icontains=term)
                | Q(summary_en__icontains=term)
                | Q(code__icontains=term)
            )
        return queryset.filter(query)


def published_pledges():
    return (
        Pledge.objects.filter(is_published=True)
        .select_related("promiser", "jurisdiction", "category")
        .order_by("code")
    )
