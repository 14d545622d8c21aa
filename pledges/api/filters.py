"""The API's filters: the list page's and the exports' own FilterSets, applied the same way.

Pledges are chosen with `PledgeFilter` (the parameters of /pledges/ and /export/), and a child
list (evidence, figures, status changes, milestones) is narrowed to those pledges and may add a
range on its own date (the exports' `*ExportFilter`). Nothing is redefined here, so a page, its
download and the API agree on what a filter means.

Bad input is a 400 with a message per parameter, before any row is read: an unknown parameter
(a typo must not silently return everything), a value a filter refuses, or one it cannot use.
"""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework.exceptions import ValidationError

from pledges import selectors
from pledges.filters import PledgeFilter

# Parameters that are not filters: pagination and the renderer.
CONTROL_PARAMETERS = ("cursor", "page_size", "format")


def filter_classes(view) -> list[type[django_filters.FilterSet]]:
    """The FilterSets a list view accepts: PledgeFilter, then the child's own date range."""
    own = getattr(view, "own_filter", None)
    return [PledgeFilter] if own is None else [PledgeFilter, own]


def accepted_parameters(view) -> list[str]:
    names: list[str] = []
    for filterset_class in filter_classes(view):
        names += [name for name in filterset_class.base_filters if name not in names]
    return [*names, *CONTROL_PARAMETERS]


def _errors(filterset: django_filters.FilterSet) -> dict[str, list[str]]:
    if filterset.is_valid():
        return {}
    return {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}


class PublicFilterBackend:
    """A DRF filter backend over the site's FilterSets (see the module docstring).

    A view sets ``pledge_path`` (None for the pledge list itself, else the lookup from its rows to
    their pledge, e.g. ``"pledge"``) and optionally ``own_filter``. Detail views are not filtered.
    """

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        if getattr(view, "action", "list") != "list":
            return queryset
        data = request.query_params
        accepted = accepted_parameters(view)
        unknown = sorted(set(data) - set(accepted))
        if unknown:
            raise ValidationError(
                {
                    name: [
                        _("Unknown parameter. Accepted: %(accepted)s.")
                        % {"accepted": ", ".join(accepted)}
                    ]
                    for name in unknown
                }
            )
        pledge_path = getattr(view, "pledge_path", None)
        if pledge_path is None:
            chosen = PledgeFilter(data, queryset=queryset)
            errors = _errors(chosen)
            rows = chosen.qs if not errors else queryset.none()
        else:
            chosen = PledgeFilter(data, queryset=selectors.published_pledges())
            errors = _errors(chosen)
            if not errors and any(name in data for name in PledgeFilter.base_filters):
                queryset = queryset.filter(**{f"{pledge_path}__in": chosen.qs})
            rows = queryset
            own = getattr(view, "own_filter", None)
            if own is not None:
                own_filterset = own(data, queryset=queryset)
                errors.update(_errors(own_filterset))
                if not errors:
                    rows = own_filterset.qs
        if errors:
            raise ValidationError(errors)
        try:
            # Build (not run) the query: a value the form accepted but a filter method cannot
            # use fails here as a 400, not as a 500 while the page is read.
            str(rows.query)
        except (ValueError, OverflowError, TypeError) as error:
            raise ValidationError({"detail": [_("Invalid filter value: %s") % error]}) from error
        return rows


class PublicFilterExtension(DjangoFilterExtension):
    """Documents PublicFilterBackend's parameters in the OpenAPI schema with drf-spectacular's
    own django-filter support, each FilterSet against its own model."""

    target_class = "pledges.api.filters.PublicFilterBackend"

    def get_schema_operation_parameters(self, auto_schema, *args, **kwargs):
        parameters = []
        for filterset_class in filter_classes(auto_schema.view):
            model = filterset_class._meta.model
            for name, field in filterset_class.base_filters.items():
                parameters += self.resolve_filter_field(
                    auto_schema, model, filterset_class, name, field
                )
        return parameters
