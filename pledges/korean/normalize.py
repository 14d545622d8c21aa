"""Normalization of Korean news text: Unicode, PDF column glue, lost spacing, footers.

Everything here is a pure function of its input. The caller keeps the original text; these
functions return a new string.

Rules, in order (see ``normalize_text``):

1. Unicode: NFKC for everything *except* Hangul (syllables, jamo, compatibility jamo, halfwidth
   Hangul), general punctuation (``…``), enclosed alphanumerics (``ⓒ``, ``①``),
   enclosed/compatibility CJK (``㈜``, ``㎡``) and CJK compatibility ideographs. NFKC
   leaves precomposed syllables alone, but it rewrites compatibility jamo (``ㅋ`` → conjoining
   ``ᄏ``) and expands ``㈎`` to ``(가)``, which would change the Hangul of a text; those blocks
   are therefore protected. Zero-width characters and soft hyphens are removed, other control
   characters become spaces, line ends become ``\\n``.
2. Column glue: text extracted from a newspaper PDF has one line per column line, often with
   blank lines between them, and words split at the column edge ("국가AI컴퓨" / "팅센터"). When
   the line widths look like a column layout, full-width lines are glued to the next line
   (without a space between two Hangul characters; the next step restores spacing); short lines,
   headline-like lines, bylines and photo captions end a paragraph.
3. Spacing: a paragraph whose Hangul has almost no spaces (PDF extraction loses them) is passed
   through Kiwi's ``space()``. Normally spaced web text is never touched (no Kiwi call at all).
   Kiwi's output is only accepted if it changed nothing but spaces.
4. Optionally (``footers=True``), copyright lines and trailing byline/e-mail lines are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .kiwi import get_kiwi

__all__ = [
    "Paragraph",
    "column_paragraphs",
    "display_width",
    "is_column_layout",
    "join_column_lines",
    "match_key",
    "match_keys",
    "needs_spacing",
    "normalize_text",
    "normalize_unicode",
    "restore_spacing",
    "split_sentences",
    "strip_footers",
]

# --- 1. Unicode -----------------------------------------------------------------------------

# Blocks NFKC must not touch (see module docstring).
_PROTECTED = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2010-\u2027\u2030-\u205e"  # General punctuation: keep "…" and "‥" as written
    "\u2460-\u24ff"  # Enclosed alphanumerics (ⓒ, ①: bullets and marks, not letters)
    "\u3130-\u318f"  # Hangul Compatibility Jamo
    "\u3200-\u33ff"  # Enclosed CJK letters, CJK compatibility (㈜, ㎡, ㉮)
    "\ua960-\ua97f"  # Hangul Jamo Extended-A
    "\uac00-\ud7a3"  # Hangul syllables
    "\ud7b0-\ud7ff"  # Hangul Jamo Extended-B
    "\uf900-\ufaff"  # CJK compatibility ideographs (Hanja variants)
    "\uffa0-\uffdc"  # Halfwidth Hangul
)
_UNPROTECTED_RUN = re.compile(f"[^{_PROTECTED}]+")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85]")
_LINE_END = re.compile("\r\n?|[\u2028\u2029]")


def normalize_unicode(text: str) -> str:
    """NFKC outside the Hangul/CJK-compatibility blocks; drop invisibles; unify line ends."""
    text = _LINE_END.sub("\n", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = _UNPROTECTED_RUN.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
        # NFKC may have produced new controls/invisibles (rare); clean once more.
        text = _CONTROL.sub(" ", _INVISIBLE.sub("", _LINE_END.sub("\n", text)))
    return text.replace("\t", " ")


# --- 2. Column glue ---------------------------------------------------------------------------

_HANGUL = re.compile("[\uac00-\ud7a3]")
_LONG_HANGUL_RUN = re.compile("[\uac00-\ud7a3]{10,}")
_SENTENCE_END = re.compile("[.?!。…][\"'”’」』)\\]]*$")
_BYLINE = re.compile(
    r"^\s*/?\s*([가-힣]{2,4})\s*(?:기자|특파원|객원기자|선임기자|논설위원)"
    r"(?:\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+)?\s*$"
)
_EMAIL_LINE = re.compile(r"^\s*[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*$")
_CAPTION_END = re.compile(r"<\s*사진[^<>]{0,40}>\s*$")
_HEADING_MARK = re.compile(r"^\s*[◇◆■□▲△●○▶▷]")


def display_width(line: str) -> int:
    """Width in half-width cells: wide (Hangul, Hanja, full-width) characters count 2."""
    width = 0
    for ch in line:
        if ch <= "\u10ff":
            width += 1
        else:
            width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def is_byline(line: str) -> bool:
    """A reporter byline, e.g. ``/정병호기자 jusbh@kwangju.co.kr`` or a bare e-mail line."""
    return bool(_BYLINE.match(line) or _EMAIL_LINE.match(line))


def is_caption_end(line: str) -> bool:
    """A photo caption ends with a credit like ``<사진공동취재단>`` or ``<사진=광주시 제공>``."""
    return bool(_CAPTION_END.search(line))


def ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line.rstrip()))


def _column_width(lines: list[str]) -> int:
    widths = sorted(display_width(line) for line in lines)
    return widths[int(len(widths) * 0.7)] if widths else 0


def is_column_layout(text: str) -> bool:
    """True when ``text`` looks like PDF column lines: many lines of one narrow width."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) < 6:
        return False
    width = _column_width(lines)
    if not 16 <= width <= 80:
        return False
    near = sum(1 for line in lines if 0.8 * width <= display_width(line) <= 1.2 * width)
    return near >= 0.5 * len(lines)


def _glue(left: str, right: str) -> str:
    """The separator between a column line and its continuation."""
    a, b = left[-1:], right[:1]
    if not a or not b:
        return ""
    if a in ",;:)]}>" or (a.isascii() and a.isalpha() and b.isascii() and b.isalpha()):
        return " "
    return ""


def headline_like(line: str, width: int) -> bool:
    """Shorter than a column line and not ending a sentence: headline, sub-title, label."""
    s = line.strip()
    return (
        bool(s)
        and display_width(s) < 0.92 * width
        and not ends_sentence(s)
        and not s.endswith(",")
        and not _HEADING_MARK.match(s)
        and not is_byline(s)
    )


@dataclass(frozen=True)
class Paragraph:
    """A paragraph rebuilt from column lines. kind: head, body, caption or byline."""

    kind: str
    text: str


def _caption_block_end(lines: list[str], i: int, width: int) -> int | None:
    """If lines[i:k+1] is a photo caption (full lines ending in <사진…>), return k."""
    for k in range(i, min(i + 6, len(lines))):
        if is_caption_end(lines[k]):
            return k
        if display_width(lines[k]) < 0.75 * width or is_byline(lines[k]):
            return None
    return None


def column_paragraphs(lines: list[str], width: int | None = None) -> list[Paragraph]:
    """Rebuild paragraphs from PDF column lines (module docstring, rule 2).

    A text, and every byline or photo caption, is followed by a headline block: the first
    line, then the following short lines that end no sentence. Body lines are glued to the
    next line unless they end a sentence, are short (paragraph end), or a ◇ sub-head, a
    byline or a new headline block (two short unpunctuated lines) follows.
    """
    lines = [line.strip() for line in lines if line.strip()]
    if width is None:
        width = _column_width(lines)
    out: list[Paragraph] = []
    in_head = True
    first_of_head = True
    current = ""
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if is_byline(line):
            if current:
                out.append(Paragraph("body", current))
                current = ""
            out.append(Paragraph("byline", line))
            in_head, first_of_head = True, True
            i += 1
            continue
        if in_head:
            k = _caption_block_end(lines, i, width)
            if k is not None:
                text = ""
                for part in lines[i : k + 1]:
                    text = text + _glue(text, part) + part if text else part
                out.append(Paragraph("caption", text))
                in_head, first_of_head = True, True
                i = k + 1
                continue
            if first_of_head or headline_like(line, width):
                out.append(Paragraph("head", line))
                first_of_head = False
                i += 1
                continue
            in_head = False
        current = current + _glue(current, line) + line if current else line
        nxt = lines[i + 1] if i + 1 < n else ""
        nxt2 = lines[i + 2] if i + 2 < n else ""
        new_head = bool(nxt) and headline_like(nxt, width) and headline_like(nxt2, width)
        if (
            not nxt
            or ends_sentence(line)
            or is_caption_end(line)
            or display_width(line) < 0.75 * width
            or _HEADING_MARK.match(nxt)
            or is_byline(nxt)
            or new_head
        ):
            out.append(Paragraph("caption" if is_caption_end(line) else "body", current))
            current = ""
            if new_head or is_caption_end(line):
                in_head, first_of_head = True, True
        i += 1
    if current:
        out.append(Paragraph("body", current))
    return out


def join_column_lines(text: str) -> str:
    """Glue PDF column lines into paragraphs separated by single newlines."""
    return "\n".join(p.text for p in column_paragraphs(text.split("\n")))


# --- 3. Spacing -------------------------------------------------------------------------------


_DIGIT_UNIT = re.compile(r"(?<=\d) (?=[조억만천원개건대장명종년월일곳차배%㎡])")


def needs_spacing(paragraph: str) -> bool:
    """Hangul with almost no spaces: PDF extraction lost them."""
    hangul = len(_HANGUL.findall(paragraph))
    if hangul < 12:
        return False
    if paragraph.count(" ") < 0.1 * hangul:
        return True
    # Partly spaced PDF lines: most Hangul sits in long unbroken runs (web text: rarely).
    in_long_runs = sum(len(run) for run in _LONG_HANGUL_RUN.findall(paragraph))
    return in_long_runs >= 0.35 * hangul


def restore_spacing(paragraph: str) -> str:
    """Kiwi's spacing model, accepted only if it changed nothing but spaces."""
    if not paragraph.strip():
        return paragraph
    try:
        spaced = get_kiwi().space(paragraph, reset_whitespace=False)
    except Exception:
        return paragraph
    if spaced.replace(" ", "") != paragraph.replace(" ", ""):
        return paragraph
    # Kiwi separates numbers from their units ("4269 억 원", "5 만 개"); Korean writes them
    # together ("4269억 원").
    return _DIGIT_UNIT.sub("", spaced)


# A space-free token holding this many Hangul letters is several words glued together: Korean
# words (어절) are rarely longer than 8 letters, compound names rarely longer than 11.
_GLUED_TOKEN_HANGUL = 12


def has_glued_words(sentence: str) -> bool:
    """True when one space-free token holds many Hangul letters ("광주시는AI집적단지조성이마무리하고"):
    the PDF lost the spaces there even though the paragraph as a whole looked spaced."""
    return any(len(_HANGUL.findall(token)) >= _GLUED_TOKEN_HANGUL for token in sentence.split())


def respace_sentence(sentence: str) -> str:
    """A sentence as readers should see it: Kiwi's spacing where words are glued, else as is."""
    return restore_spacing(sentence) if has_glued_words(sentence) else sentence


# --- 4. Footers -------------------------------------------------------------------------------

_FOOTER = re.compile(
    r"(ⓒ|©|\(c\)|copyright|저작권자|무단\s*전재|재배포\s*금지|all rights reserved)", re.I
)


def strip_footers(text: str) -> str:
    """Drop copyright lines anywhere and byline/e-mail lines at the very end."""
    lines = text.split("\n")
    lines = [ln for ln in lines if not (_FOOTER.search(ln) and len(ln) < 160)]
    while lines and (not lines[-1].strip() or is_byline(lines[-1])):
        lines.pop()
    return "\n".join(lines)


# --- the whole thing --------------------------------------------------------------------------

_SPACES = re.compile(r"[ \u00a0]{2,}")
_BLANKS = re.compile(r"\n{3,}")


def normalize_text(text: str, *, restore: bool | None = None, footers: bool = False) -> str:
    """Normalize one article (or page) text; returns the normalized text.

    ``restore``: None = restore spacing only in paragraphs that lost it; False = never (no Kiwi
    call); True = in every paragraph. ``footers=True`` also drops copyright/e-mail footers.
    Idempotent on its own output.
    """
    if not text:
        return ""
    text = normalize_unicode(text)
    if is_column_layout(text):
        text = join_column_lines(text)
    paragraphs = [_SPACES.sub(" ", p).strip() for p in text.split("\n")]
    if restore is not False:
        paragraphs = [
            restore_spacing(p) if (restore or needs_spacing(p)) else p for p in paragraphs
        ]
    text = _BLANKS.sub("\n\n", "\n".join(paragraphs)).strip("\n")
    if footers:
        text = strip_footers(text)
    return text


# --- keys for matching ------------------------------------------------------------------------

_PAREN = re.compile(r"\([^()]{0,20}\)|\[[^\[\]]{0,20}\]")
_NON_WORD = re.compile(r"[\W_]+")
# Applied in order: "인공지능 전환" → "ai전환" → "ax" (AX is the usual abbreviation of AI
# transformation, as DX is of 디지털 전환), so the three spellings of one name share a key.
_SYNONYMS = (
    ("인공지능", "ai"),
    ("artificialintelligence", "ai"),
    ("ai전환", "ax"),
    ("aitransformation", "ax"),
    ("디지털전환", "dx"),
    ("digitaltransformation", "dx"),
    ("centre", "center"),
)


def _canon(s: str) -> str:
    s = _NON_WORD.sub("", s.lower())
    for a, b in _SYNONYMS:
        if a in s:
            s = s.replace(a, b)
    return s


def match_key(text: str) -> str:
    """Spacing-, punctuation- and case-free form used for term matching.

    "국가 AI 컴퓨팅 센터를", "국가인공지능(AI)컴퓨팅센터" and "국가AI컴퓨팅센터" all contain
    the key of "국가AI컴퓨팅센터" (particles are suffixes, so substring search ignores them).
    Short parenthetical glosses are dropped: "AX(인공지능 전환) 실증밸리" → "ax실증밸리".
    """
    return _canon(_PAREN.sub("", text))


def match_keys(text: str) -> tuple[str, str]:
    """Key without and with parenthetical glosses (a term may sit inside brackets)."""
    return match_key(text), _canon(text)


# --- sentences --------------------------------------------------------------------------------


KIWI_MAX_LINE_CHARS = 5000


def split_sentences(text: str, *, use_kiwi: bool = True) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of ``text``. Lines are always separate sentences.

    ``use_kiwi=True``: Kiwi's sentence splitter per line (handles quotes and missing spaces);
    ``False``: a punctuation rule (faster, good enough for snippets of news text).
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    kiwi = get_kiwi() if use_kiwi else None
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            # Kiwi's analysis grows faster than linearly on one very long line (a page pasted
            # without line breaks): such lines take the punctuation rule.
            if kiwi is not None and 40 < len(stripped) <= KIWI_MAX_LINE_CHARS:
                for sent in kiwi.split_into_sents(line):
                    spans.append((pos + sent.start, pos + sent.end))
            else:
                _regex_split(line, pos, spans)
        pos += len(line) + 1
    return spans


def _regex_split(line: str, offset: int, spans: list[tuple[int, int]]) -> None:
    start = 0
    for m in re.finditer(r"[.?!。][\"'”’」』)]*(?=\s|$|[가-힣A-Za-z\"'“‘])", line):
        end = m.end()
        # "3.5" is not a sentence end: the pattern requires a non-digit after the dot.
        chunk = line[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((offset + start + lead, offset + end))
        start = end
    rest = line[start:]
    if rest.strip():
        lead = len(rest) - len(rest.lstrip())
        spans.append((offset + start + lead, offset + len(line.rstrip())))
