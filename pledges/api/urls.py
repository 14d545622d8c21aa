"""/api/v1/: outside i18n_patterns (one URL in every language; labels carry both)."""

from django.urls import include, path, re_path
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from pledges.api import views
from pledges.site.cache import public_page

app_name = "api"


class ApiRouter(DefaultRouter):
    include_format_suffixes = False  # one URL per resource; `?format=` is enough


SCHEMA_RENDERERS = [
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
]

router = ApiRouter()
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("status-changes", views.StatusChangeViewSet, basename="status-change")
router.register("budget-figures", views.BudgetFigureViewSet, basename="budget-figure")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("promisers", views.PromiserViewSet, basename="promiser")
router.register("statuses", views.StatusViewSet, basename="status")


def cached(patterns):
    """The API's reads are public pages too: served from the same cache, invalidated by the same
    public version (wraps() keeps DRF's attributes on the view, which the schema reads)."""
    for pattern in patterns:
        pattern.callback = public_page(pattern.callback)
    return patterns


urlpatterns = [
    # JSON by default, YAML with ?format=yaml; labels in English with ?lang=en.
    path("schema/", SpectacularAPIView.as_view(renderer_classes=SCHEMA_RENDERERS), name="schema"),
    path("", include(cached(router.urls))),
    # Ends in "/": an address without it is first sent there (APPEND_SLASH), as elsewhere.
    re_path(r"^(?P<path>.*/)$", views.not_found),
]
