"""Promiser scoreboards kept in process memory (pledges/site/fragments.py): after a publication
the front page and list render again only the scoreboards whose data changed, and never show a
kept one whose data did."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from pledges.models import Status
from pledges.site.fragments import fragments
from pledges.tests.factories import PledgeFactory, PromiserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def promisers():
    """Three promisers with two published pledges each."""
    made = []
    for n in range(3):
        promiser = PromiserFactory(slug=f"frag-{n}", name=f"조각시험{n}", name_en=f"Fragment {n}")
        for k in range(2):
            PledgeFactory(
                promiser=promiser,
                is_published=True,
                code=f"FRAG-{n}-{k}",
                title=f"조각 시험 공약 {n}-{k}",
                status=Status.IN_PROGRESS,
            )
        made.append(promiser)
    return made


def test_a_publication_renders_again_only_the_scoreboard_it_changed(client, promisers):
    before = fragments.renders
    first = client.get("/").content.decode()
    assert fragments.renders - before == 3
    assert "조각 시험 공약 0-0" in first

    pledge = promisers[0].pledges.get(code="FRAG-0-0")
    pledge.title = "조각 시험 공약 새 제목"
    pledge.status = Status.KEPT
    pledge.save()  # a publication: the page is rendered again

    after = client.get("/").content.decode()
    assert fragments.renders - before == 4  # only promiser 0's scoreboard
    assert "조각 시험 공약 새 제목" in after and "조각 시험 공약 0-0" not in after
    # The promiser's counts moved with it: one of two kept.
    section = after.split('id="promiser-' + promisers[0].slug)[1].split("</section>")[0]
    assert "50.0%" in section


def test_kept_scoreboards_give_the_same_page_as_rendering_them_all(client, promisers):
    before = fragments.renders
    client.get("/pledges/")
    PledgeFactory(is_published=True, promiser=promisers[1], code="FRAG-1-9")  # a publication
    reused = client.get("/pledges/")
    assert fragments.renders - before == 4
    cache.clear()
    fragments.clear()
    fresh = client.get("/pledges/")
    assert fragments.renders - before == 7
    assert reused.content == fresh.content


def test_each_language_and_page_has_its_own_scoreboards(client, promisers):
    before = fragments.renders
    korean = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    listed = client.get("/pledges/").content.decode()
    assert fragments.renders - before == 9  # 3 promisers × (front page ko, en, list)
    assert "조각시험0" in korean and "Fragment 0" in english
    # The list's scoreboards are the same promisers' without their pledges.
    assert 'class="compact-list"' in korean and 'class="compact-list"' not in listed
