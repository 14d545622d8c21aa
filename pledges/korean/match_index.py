"""One Aho-Corasick automaton over the whole pledge book: which pledges can an article be about?

Scoring an article against every pledge costs time in proportion to the pledge book (10,000
pledges of every mayor and governor). But a pledge only gets evidence from a sentence whose key
contains one of its names (alias, derived name, keyword or derived head), and a pledge that
needs its region only where one of its region keys occurs; masking look-alikes (exclusions)
only ever removes text, so it can never make a pledge a candidate. One scan of the article's
sentence keys with an automaton over every pledge's name and region keys therefore yields a
superset of the pledges that can score above zero; only those are scored, and the results are
the same as scoring every pledge (a test compares both paths on generated pledge books).

The automaton is built once per pledge book (``match.compile_pledges`` caches it with the
compiled terms). ``pyahocorasick`` holds the keys in C, matches overlapping occurrences and
costs one pass over the text whatever the number of keys.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import ahocorasick

from .normalize import is_column_layout, join_column_lines, match_keys

__all__ = ["PledgeKeys", "TermIndex", "TermScanner"]


@dataclass(frozen=True)
class PledgeKeys:
    """The keys of one pledge the index needs: its names and (if it needs one) its region."""

    names: tuple[str, ...]
    regions: tuple[str, ...]
    needs_region: bool


class TermIndex:
    """Name and region keys of every pledge → the pledges (by position) an article may be about."""

    def __init__(self, pledges: Sequence[PledgeKeys]) -> None:
        self.size = len(pledges)
        # One entry per distinct key: which pledges name it, which pledges it is the region of.
        named: dict[str, list[int]] = {}
        region_of: dict[str, list[int]] = {}
        self._regionless: frozenset[int] = frozenset(
            i for i, p in enumerate(pledges) if not p.needs_region
        )
        for i, p in enumerate(pledges):
            for key in p.names:
                named.setdefault(key, []).append(i)
            if p.needs_region:
                for key in p.regions:
                    region_of.setdefault(key, []).append(i)
        self._named: list[tuple[int, ...]] = []
        self._region_of: list[tuple[int, ...]] = []
        self._automaton = ahocorasick.Automaton()
        for key in named.keys() | region_of.keys():
            if not key:
                continue
            self._automaton.add_word(key, len(self._named))
            self._named.append(tuple(named.get(key, ())))
            self._region_of.append(tuple(region_of.get(key, ())))
        self.keys = len(self._named)
        if self.keys:
            self._automaton.make_automaton()

    def candidates(self, sentence_keys: Iterable[tuple[str, str]]) -> list[int]:
        """Positions (ascending) of the pledges whose names occur in the sentences' keys (either
        form) and whose region occurs in a key with glosses, where the pledge needs one."""
        if not self.keys:
            return []
        found_in_plain: set[int] = set()  # entries found in a key without glosses
        found_in_full: set[int] = set()  # entries found in a key with glosses (region counting)
        automaton = self._automaton
        for plain, full in sentence_keys:
            found_in_plain.update(entry for _, entry in automaton.iter(plain))
            found_in_full.update(entry for _, entry in automaton.iter(full))
        named: set[int] = set()
        for entry in found_in_plain | found_in_full:
            named.update(self._named[entry])
        if not named:
            return []
        regioned: set[int] = set()
        for entry in found_in_full:
            regioned.update(self._region_of[entry])
        regionless = self._regionless
        return sorted(i for i in named if i in regioned or i in regionless)


class TermScanner:
    """Does a stored article name any of these keys? For re-matching only the articles a change
    of terms can affect, without sentence splitting (a pass per line, no Kiwi).

    Lines are keyed in both forms (``match_keys``) after the same column glue the matcher does,
    so a key found in one of the matcher's sentences is found in its line. (The one difference:
    a short parenthesis that spans two sentences of a line is dropped from the line's key
    without glosses; the key with glosses still holds its text.)"""

    def __init__(self, keys: Iterable[str]) -> None:
        self._automaton = ahocorasick.Automaton()
        self.keys = 0
        for key in set(keys):
            if key:
                self._automaton.add_word(key, key)
                self.keys += 1
        if self.keys:
            self._automaton.make_automaton()

    def names_any(self, title: str, text: str) -> bool:
        if not self.keys:
            return False
        if is_column_layout(text):
            text = join_column_lines(text)
        for line in (title or "", *(text or "").split("\n")):
            for key in match_keys(line):
                for _ in self._automaton.iter(key):
                    return True
        return False
