import pytest
from django.utils import translation

from pledges.templatetags.pledge_format import format_krw_english, format_krw_korean, krw, percent


@pytest.mark.parametrize(
    ("amount", "korean"),
    [
        (0, "0원"),
        (426_900_000_000, "4,269억 원"),
        (1_200_000_000_000, "1조 2,000억 원"),
        (100_000_000_000_000, "100조 원"),
        (50_000_000, "5,000만 원"),
        (130_000_000, "1억 3,000만 원"),
        (120_003_000, "1억 2,000만 3,000 원"),
        (1234, "1,234 원"),
    ],
)
def test_korean_money_reads_in_jo_eok_man(amount, korean):
    assert format_krw_korean(amount) == korean


@pytest.mark.parametrize(
    ("amount", "english"),
    [
        (426_900_000_000, "KRW 426.9 billion"),
        (100_000_000_000_000, "KRW 100 trillion"),
        (95_700_000_000, "KRW 95.7 billion"),
        (5_000, "KRW 5,000"),
    ],
)
def test_english_money_reads_in_billions(amount, english):
    assert format_krw_english(amount) == english


def test_filter_follows_the_active_language():
    with translation.override("ko"):
        assert krw(95_700_000_000) == "957억 원"
    with translation.override("en"):
        assert krw(95_700_000_000) == "KRW 95.7 billion"
    assert krw(None) == ""
    assert percent(0.25) == "25.0%"
