"""The API's documented shapes. Field names are stable: renaming one is a new API version.

Conventions: money in integer KRW (``*_krw``), dates as ISO 8601 days, times as ISO 8601 with
+09:00, vocabulary values as stable codes (``status: "kept"``) with their labels beside them in
Korean and English (``status_label: {"ko": "이행 완료", "en": "Kept"}``), and links as absolute
URLs: ``url`` (this API) and ``html_url`` (the public page).
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pledges.models import (
    STATUS_DEFINITIONS,
    BrokenReason,
    BudgetFigure,
    BudgetStage,
    BudgetSummary,
    Evidence,
    FeasibilityStudy,
    Funder,
    MatchMethod,
    Milestone,
    MilestoneKind,
    Pledge,
    PledgeType,
    Promiser,
    PromiserKind,
    Status,
    StatusChange,
)

LANGUAGES = ("ko", "en")


@cache
def choice_labels(choices: type[models.TextChoices]) -> dict[str, dict[str, str]]:
    """{value: {"ko": label, "en": label}} of a vocabulary (translations are fixed at run time)."""
    labels: dict[str, dict[str, str]] = {value: {} for value in choices.values}
    for language in LANGUAGES:
        with translation.override(language):
            for value, label in choices.choices:
                labels[value][language] = str(label)
    return labels


def in_both_languages(text) -> dict[str, str]:
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = str(text)
    return result


class LocalizedTextSerializer(serializers.Serializer):
    """A text in Korean and in English."""

    ko = serializers.CharField()
    en = serializers.CharField()


@extend_schema_field(LocalizedTextSerializer(allow_null=True))
class LabelField(serializers.Field):
    """The Korean and English label of a vocabulary value (null when the value is empty)."""

    def __init__(self, choices: type[models.TextChoices], **kwargs):
        self.choices = choices
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return choice_labels(self.choices).get(value) if value else None


# --- Links ------------------------------------------------------------------------------------


class Links:
    """Absolute URLs for one request: reversed once, formatted per row."""

    def __init__(self, request):
        self.request = request
        self._templates: dict[tuple[str, str], str] = {}

    def _template(self, name: str, language: str = settings.LANGUAGE_CODE) -> str:
        key = (name, language)
        if key not in self._templates:
            with translation.override(language):
                path = reverse(name, kwargs={"slug": "__slug__"})
            url = self.request.build_absolute_uri(path)
            self._templates[key] = (
                url.replace("{", "{{").replace("}", "}}").replace("__slug__", "{slug}")
            )
        return self._templates[key]

    def pledge(self, slug: str) -> str:
        return self._template("api:pledge-detail").format(slug=slug)

    def pledge_page(self, slug: str, language: str = settings.LANGUAGE_CODE) -> str:
        return self._template("pledges:detail", language).format(slug=slug)

    def api_list(self, name: str, **parameters: str) -> str:
        url = self.request.build_absolute_uri(reverse(f"api:{name}-list"))
        return f"{url}?{urlencode(parameters)}" if parameters else url


def _links(serializer: serializers.Field) -> Links:
    return serializer.context["links"]


# --- Shared parts -----------------------------------------------------------------------------


class PromiserRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Promiser
        fields = ["slug", "name", "name_en", "role", "role_en"]


class PlaceSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    name_en = serializers.CharField()


class PledgeRefMixin(serializers.Serializer):
    """The pledge a row belongs to: its slug and code, and its URL in this API."""

    pledge = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    pledge_code = serializers.CharField(source="pledge.code", read_only=True)
    pledge_url = serializers.SerializerMethodField()

    def get_pledge_url(self, row) -> str:
        return _links(self).pledge(row.pledge.slug)


class EvidenceLinkMixin(serializers.Serializer):
    """The evidence a figure or milestone rests on; null unless that evidence is confirmed."""

    evidence_id = serializers.IntegerField(source="public_evidence_id", allow_null=True)
    article_url = serializers.CharField(source="public_article_url", allow_null=True)


# --- Pledges ----------------------------------------------------------------------------------


class MoneySerializer(serializers.Serializer):
    """Planned, secured and spent money from confirmed figures; null means no figure yet (not 0)."""

    planned_krw = serializers.IntegerField(allow_null=True)
    secured_krw = serializers.IntegerField(allow_null=True)
    executed_krw = serializers.IntegerField(allow_null=True)
    planned_is_lower_bound = serializers.BooleanField()
    secured_is_lower_bound = serializers.BooleanField()
    executed_is_lower_bound = serializers.BooleanField()
    secured_ratio = serializers.FloatField(
        allow_null=True, help_text="재정확보율: secured_krw ÷ planned_krw (0.25 = 25 %)."
    )
    by_funder = serializers.SerializerMethodField()
    mismatched_stages = serializers.SerializerMethodField()

    @extend_schema_field(
        {
            "type": "object",
            "description": "Per stage, the parts by funder in KRW (national, local, private, …).",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": "integer", "format": "int64"},
            },
        }
    )
    def get_by_funder(self, summary: BudgetSummary):
        return {stage: dict(parts) for stage, parts in summary.by_funder.items() if parts}

    def get_mismatched_stages(self, summary: BudgetSummary) -> list[str]:
        """Stages whose stated total differs from the sum of its funder parts."""
        return sorted({m.stage for m in summary.mismatches})


class PledgeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    html_url = serializers.SerializerMethodField()
    html_url_en = serializers.SerializerMethodField()
    promiser = PromiserRefSerializer(read_only=True)
    jurisdiction = PlaceSerializer(read_only=True)
    category = PlaceSerializer(read_only=True, allow_null=True)
    parent_code = serializers.CharField(source="public_parent_code", allow_null=True)
    pledge_type_label = LabelField(PledgeType, source="pledge_type")
    status_label = LabelField(Status, source="status")
    status_definition = serializers.SerializerMethodField()
    feasibility_study_label = LabelField(FeasibilityStudy, source="feasibility_study")
    money = MoneySerializer(source="public_money", read_only=True)
    evidence_count = serializers.IntegerField(source="public_evidence_count")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Pledge
        fields = [
            "id",
            "code",
            "slug",
            "url",
            "html_url",
            "html_url_en",
            "title",
            "title_en",
            "summary",
            "summary_en",
            "promiser",
            "jurisdiction",
            "category",
            "parent_code",
            "pledge_type",
            "pledge_type_label",
            "status",
            "status_label",
            "status_definition",
            "status_since",
            "made_on",
            "target_date",
            "last_checked_on",
            "feasibility_study",
            "feasibility_study_label",
            "responsible_agency",
            "money",
            "evidence_count",
            "links",
        ]

    def get_url(self, pledge: Pledge) -> str:
        return _links(self).pledge(pledge.slug)

    def get_html_url(self, pledge: Pledge) -> str:
        """The public page in Korean."""
        return _links(self).pledge_page(pledge.slug)

    def get_html_url_en(self, pledge: Pledge) -> str:
        """The public page in English."""
        return _links(self).pledge_page(pledge.slug, "en")

    @extend_schema_field(LocalizedTextSerializer)
    def get_status_definition(self, pledge: Pledge):
        return status_definitions()[pledge.status]

    @extend_schema_field(
        {
            "type": "object",
            "description": "This pledge's rows in the other lists of this API.",
            "properties": {
                name: {"type": "string", "format": "uri"}
                for name in ("status_changes", "budget_figures", "milestones", "evidence")
            },
        }
    )
    def get_links(self, pledge: Pledge):
        links = _links(self)
        return {
            name: links.api_list(route, pledge=pledge.slug)
            for name, route in (
                ("status_changes", "status-change"),
                ("budget_figures", "budget-figure"),
                ("milestones", "milestone"),
                ("evidence", "evidence"),
            )
        }


class PledgeDetailSerializer(PledgeSerializer):
    """One pledge: the list's fields and the texts it was made with."""

    class Meta(PledgeSerializer.Meta):
        fields = [
            *PledgeSerializer.Meta.fields,
            "original_text",
            "done_criteria",
            "source_document",
            "source_page",
            "source_url",
            "national_agenda_refs",
        ]


@cache
def status_definitions() -> dict[str, dict[str, str]]:
    return {value: in_both_languages(d.definition) for value, d in STATUS_DEFINITIONS.items()}


# --- Child lists ------------------------------------------------------------------------------


class StatusChangeSerializer(PledgeRefMixin, serializers.ModelSerializer):
    from_status_label = LabelField(Status, source="from_status")
    to_status_label = LabelField(Status, source="to_status")
    broken_reason_label = LabelField(BrokenReason, source="broken_reason", allow_null=True)
    evidence_ids = serializers.SerializerMethodField()

    class Meta:
        model = StatusChange
        fields = [
            "id",
            "pledge",
            "pledge_code",
            "pledge_url",
            "effective_date",
            "from_status",
            "from_status_label",
            "to_status",
            "to_status_label",
            "broken_reason",
            "broken_reason_label",
            "rationale",
            "rationale_en",
            "is_correction",
            "correction_note",
            "recorded_at",
            "evidence_ids",
        ]

    def get_evidence_ids(self, change: StatusChange) -> list[int]:
        """The confirmed evidence the change rests on (ids in /api/v1/evidence/)."""
        return [evidence.pk for evidence in change.public_evidence]


class BudgetFigureSerializer(PledgeRefMixin, EvidenceLinkMixin, serializers.ModelSerializer):
    stage_label = LabelField(BudgetStage, source="stage")
    funder_label = LabelField(Funder, source="funder")

    class Meta:
        model = BudgetFigure
        fields = [
            "id",
            "pledge",
            "pledge_code",
            "pledge_url",
            "stage",
            "stage_label",
            "funder",
            "funder_label",
            "amount_krw",
            "is_lower_bound",
            "fiscal_year",
            "period_start_year",
            "period_end_year",
            "as_of",
            "source_text",
            "note",
            "note_en",
            "evidence_id",
            "article_url",
        ]


class MilestoneSerializer(PledgeRefMixin, EvidenceLinkMixin, serializers.ModelSerializer):
    kind_label = LabelField(MilestoneKind, source="kind")
    is_reached = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = [
            "id",
            "pledge",
            "pledge_code",
            "pledge_url",
            "kind",
            "kind_label",
            "title",
            "title_en",
            "planned_date",
            "actual_date",
            "is_reached",
            "note",
            "evidence_id",
            "article_url",
        ]

    def get_is_reached(self, milestone: Milestone) -> bool:
        """True once the milestone has an actual date."""
        return milestone.actual_date is not None


class ArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()
    outlet = serializers.CharField()
    byline = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    published_on = serializers.SerializerMethodField()

    def get_url(self, article) -> str:
        """The original article; empty for print pages without one."""
        return article.url or article.canonical_url or ""

    @extend_schema_field(OpenApiTypes.DATE)
    def get_published_on(self, article):
        """The publication day in Asia/Seoul."""
        if article.published_at is None:
            return None
        return timezone.localtime(article.published_at).date().isoformat()


class EvidenceSerializer(PledgeRefMixin, serializers.ModelSerializer):
    method_label = LabelField(MatchMethod, source="method")
    article = ArticleSerializer(read_only=True)
    confirmed_at = serializers.DateTimeField(source="reviewed_at", allow_null=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "pledge",
            "pledge_code",
            "pledge_url",
            "method",
            "method_label",
            "snippet",
            "article",
            "confirmed_at",
        ]


# --- Vocabulary -------------------------------------------------------------------------------


class PromiserSerializer(serializers.ModelSerializer):
    kind_label = LabelField(PromiserKind, source="kind")
    pledge_count = serializers.IntegerField(source="published_pledges")
    pledges_url = serializers.SerializerMethodField()

    class Meta:
        model = Promiser
        fields = [
            "slug",
            "name",
            "name_en",
            "role",
            "role_en",
            "kind",
            "kind_label",
            "pledge_count",
            "pledges_url",
        ]

    def get_pledges_url(self, promiser: Promiser) -> str:
        return _links(self).api_list("pledge", promiser=promiser.slug)


class StatusSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Status.choices)
    label = LocalizedTextSerializer()
    definition = LocalizedTextSerializer()
    counts_in_rate = serializers.BooleanField(
        help_text="False: left out of the fulfilment rate's denominator."
    )
    counts_as_kept = serializers.FloatField(
        help_text="Weight in the fulfilment rate's numerator (kept 1, partially kept 0.5)."
    )
