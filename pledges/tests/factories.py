"""factory_boy factories for the domain; tests build only what they need."""

import datetime as dt
import hashlib

import factory
from django.utils import timezone

from pledges import models
from pledges.budget_offers import refresh_open_offers
from pledges.budget_totals import refresh_budget_totals


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Jurisdiction
        django_get_or_create = ("slug",)

    slug = "gwangju"
    name = "광주광역시"
    name_en = "Gwangju Metropolitan City"
    aliases = ["광주시", "빛고을", "Gwangju"]
    exclusions = ["경기 광주시", "경기도 광주"]


class PromiserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Promiser
        django_get_or_create = ("slug",)

    slug = "lee-jae-myung"
    name = "이재명"
    name_en = "Lee Jae-myung"
    role = "대통령"
    role_en = "President"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Category
        django_get_or_create = ("slug",)

    slug = "ai-digital"
    name = "AI·디지털"
    name_en = "AI and digital"


class PledgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Pledge

    code = factory.Sequence(lambda n: f"T-{n:04d}")
    slug = factory.Sequence(lambda n: f"test-pledge-{n}")
    title = factory.Sequence(lambda n: f"시험 공약 {n}")
    title_en = factory.Sequence(lambda n: f"Test pledge {n}")
    summary = "시험용 공약 요약"
    original_text = "시험용 공약 원문"
    promiser = factory.SubFactory(PromiserFactory)
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    category = factory.SubFactory(CategoryFactory)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    name = factory.Sequence(lambda n: f"시험일보 {n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Article

    outlet = "시험일보"
    url = factory.Sequence(lambda n: f"https://news.example.org/article/{n}")
    canonical_url = factory.LazyAttribute(lambda o: o.url)
    title = factory.Sequence(lambda n: f"시험 기사 {n}")
    body = factory.Sequence(lambda n: f"광주시가 시험 사업을 추진한다. 기사 번호 {n}.")
    normalized_body = factory.LazyAttribute(lambda o: o.body)
    content_hash = factory.LazyAttribute(
        lambda o: hashlib.sha256(o.normalized_body.encode("utf-8")).hexdigest()
    )
    published_at = factory.LazyFunction(timezone.now)


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    article = factory.SubFactory(ArticleFactory)
    pledge = factory.SubFactory(PledgeFactory)
    state = models.ReviewState.SUGGESTED
    score = 0.8
    snippet = "광주시가 시험 사업을 추진한다."
    matched_terms = ["시험 사업"]

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Written directly, as the matcher's bulk statements write: the stored count of open
        # budget amounts is kept as the matcher keeps it.
        evidence = super()._create(model_class, *args, **kwargs)
        if evidence.amounts:
            refresh_open_offers([evidence.pk])
            evidence.refresh_from_db(fields=["open_offer_count"])
        return evidence


class ConfirmedEvidenceFactory(EvidenceFactory):
    state = models.ReviewState.CONFIRMED
    reviewed_at = factory.LazyFunction(timezone.now)


class BudgetFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BudgetFigure

    pledge = factory.SubFactory(PledgeFactory)
    amount_krw = 100_000_000_000
    stage = models.BudgetStage.PLANNED
    funder = models.Funder.TOTAL
    as_of = dt.date(2025, 6, 10)
    state = models.FigureState.CONFIRMED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        figure = super()._create(model_class, *args, **kwargs)
        refresh_open_offers([figure.evidence_id])  # as the review actions do
        refresh_budget_totals([figure.pledge_id])
        return figure
