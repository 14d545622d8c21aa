"""Korean text engine: pure functions, no Django.

- ``normalize_text``: Unicode, PDF column glue, lost spacing, footers.
- ``split_newspaper_page``: a page's text → ``PageArticle`` items.
- ``extract_amounts``: 조/억/만 원 → exact integer KRW with funder and stage.
- ``extract_status_signals``: article → ``StatusSignal`` events (예타, 예산, 착공, 입지 …).
- ``match_article``: article → ``PledgeMatch`` list for the given ``PledgeSpec``s.
"""

from .match import (
    CompiledPledges,
    PledgeMatch,
    PledgeSpec,
    compile_pledges,
    load_terms,
    match_article,
    specs_from_terms,
)
from .money import Amount, extract_amounts, format_krw, parse_amount
from .normalize import match_key, normalize_text, split_sentences, strip_footers
from .pages import PageArticle, split_newspaper_page
from .signals import SignalKind, StatusSignal, extract_status_signals

__all__ = [
    "Amount",
    "CompiledPledges",
    "PageArticle",
    "PledgeMatch",
    "PledgeSpec",
    "SignalKind",
    "StatusSignal",
    "compile_pledges",
    "extract_amounts",
    "extract_status_signals",
    "format_krw",
    "load_terms",
    "match_article",
    "match_key",
    "normalize_text",
    "parse_amount",
    "specs_from_terms",
    "split_newspaper_page",
    "split_sentences",
    "strip_footers",
]
