"""What importing a pledge book would do, row by row, before anything is written.

``plan_book`` reads the file, resolves promisers, jurisdictions, categories and parent pledges,
finds the pledge each row is about (by slug, else code, else promiser + title), and lists what
would be created or changed, field by field, with every row's errors. Nothing is written here;
``books.apply`` carries out a plan without errors.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from pledges.books.messages import column_label, problem_text
from pledges.books.parse import BookFileError, BookRow, ParsedBook, parse_book
from pledges.korean.match_names import KOREAN_REGIONS, derive_names, region_canons
from pledges.korean.money import format_krw
from pledges.models import (
    BudgetFigure,
    BudgetStage,
    Category,
    Funder,
    Jurisdiction,
    Pledge,
    Promiser,
)

CREATE, CHANGE, UNCHANGED, ERROR = "create", "change", "unchanged", "error"
# Columns copied onto the pledge as they are (text and dates).
PLAIN_FIELDS = (
    "title",
    "title_en",
    "summary",
    "source_document",
    "source_page",
    "source_url",
    "target_date",
    "made_on",
    "responsible_agency",
)
TERM_FIELDS = {"aliases": "match_aliases", "keywords": "match_keywords"}
LIST_MODEL_FIELDS = {**TERM_FIELDS, "exclusions": "match_exclusions"}


@dataclass(frozen=True)
class FieldChange:
    field: str  # the book's column
    before: str
    after: str

    @property
    def label(self) -> str:
        return column_label(self.field)


@dataclass
class RowPlan:
    row: BookRow
    action: str = UNCHANGED
    pledge: Pledge | None = None  # the stored pledge this row is about, if any
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Terms the engine derived for a new pledge without any: added only if the editor accepts.
    proposed_aliases: list[str] = field(default_factory=list)
    proposed_keywords: list[str] = field(default_factory=list)
    # Resolved values for ``apply``: model field → value (every given field for a new pledge,
    # the changed ones for a stored pledge), the parent (a stored pledge or another row), budget.
    fields: dict[str, Any] = field(default_factory=dict)
    parent_row: RowPlan | None = None
    budget_krw: int | None = None
    budget_figure: BudgetFigure | None = None

    @property
    def number(self) -> int:
        return self.row.number

    @property
    def title(self) -> str:
        return self.row.get("title", "")

    @property
    def has_proposed_terms(self) -> bool:
        return bool(self.proposed_aliases or self.proposed_keywords)

    @property
    def key(self) -> str:
        """How the admin names this row's checkbox (its number in the file)."""
        return str(self.row.number)


@dataclass
class BookPlan:
    file_errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[RowPlan] = field(default_factory=list)
    parsed: ParsedBook | None = None

    @property
    def is_valid(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def created(self) -> int:
        return self.count(CREATE)

    @property
    def changed(self) -> int:
        return self.count(CHANGE)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def invalid(self) -> int:
        return self.count(ERROR)

    @property
    def error_count(self) -> int:
        return len(self.file_errors) + sum(len(r.errors) for r in self.rows)

    def fingerprint(self) -> str:
        """Changes with the plan: the admin refuses to apply a preview the database has moved
        away from since (another editor imported or edited meanwhile)."""
        body = [
            [
                r.number,
                r.action,
                [[c.field, c.before, c.after] for c in r.changes],
                r.proposed_aliases,
                r.proposed_keywords,
            ]
            for r in self.rows
        ]
        encoded = json.dumps([self.file_errors, body], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(encoded.encode()).hexdigest()[:32]


class _Lookup:
    """Promisers, jurisdictions and categories by any name an editor might write."""

    def __init__(self, model, names, looser_names=None):
        self.by_name: dict[str, Any] = {}
        objects = list(model.objects.all())
        # A name an editor gave wins over one derived from it (two "광주" jurisdictions).
        for name_of in (names, looser_names):
            for obj in objects if name_of else ():
                for name in name_of(obj):
                    if name:
                        self.by_name.setdefault(" ".join(str(name).split()).casefold(), obj)

    def find(self, text: str):
        return self.by_name.get(" ".join(text.split()).casefold())


def _promiser_names(p: Promiser):
    return p.names_shown()


def _jurisdiction_names(j: Jurisdiction):
    return [*j.names_shown(), *(j.aliases or [])]


def _region_forms(j: Jurisdiction):
    """ "광주" and "광주시" name 광주광역시 too (general geography, from the engine)."""
    canons = region_canons(_jurisdiction_names(j))
    return [form for canon, forms in KOREAN_REGIONS if canon in canons for form in forms]


def _category_names(c: Category):
    return c.names_shown()


def find_promiser(text: str) -> Promiser | None:
    return _Lookup(Promiser, _promiser_names).find(text)


def find_jurisdiction(text: str) -> Jurisdiction | None:
    return _Lookup(Jurisdiction, _jurisdiction_names, _region_forms).find(text)


def plan_book(
    data: bytes,
    filename: str = "",
    *,
    promiser: Promiser | None = None,
    jurisdiction: Jurisdiction | None = None,
) -> BookPlan:
    """The plan for one pledge book file; ``promiser`` and ``jurisdiction`` fill rows whose
    cell is empty (a mayor's book names neither on every line)."""
    plan = BookPlan()
    try:
        parsed = parse_book(data, filename)
    except BookFileError as error:
        plan.file_errors.append(problem_text(error.problem))
        return plan
    plan.parsed = parsed
    if parsed.unknown_columns:
        plan.warnings.append(
            _("These columns are not read: %(columns)s.")
            % {"columns": ", ".join(parsed.unknown_columns)}
        )
    for name, given in (("promiser", promiser), ("jurisdiction", jurisdiction)):
        if name not in parsed.columns and given is None:
            plan.file_errors.append(
                _("Required columns are missing: %(columns)s.") % {"columns": column_label(name)}
            )
    if plan.file_errors:
        return plan
    _Planner(parsed, promiser=promiser, jurisdiction=jurisdiction, plan=plan).run()
    return plan


class _Planner:
    def __init__(self, parsed: ParsedBook, *, promiser, jurisdiction, plan: BookPlan):
        self.parsed = parsed
        self.plan = plan
        self.default_promiser = promiser
        self.default_jurisdiction = jurisdiction
        self.promisers = _Lookup(Promiser, _promiser_names)
        self.jurisdictions = _Lookup(Jurisdiction, _jurisdiction_names, _region_forms)
        self.categories = _Lookup(Category, _category_names)
        rows = parsed.rows
        slugs = {r.get("slug") for r in rows} - {None}
        codes = {r.get("code") for r in rows} - {None}
        titles = {r.get("title") for r in rows} | {r.get("parent") for r in rows}
        refs = {r.get("parent") for r in rows} - {None}
        stored = Pledge.objects.filter(
            Q(slug__in=slugs | refs) | Q(code__in=codes | refs) | Q(title__in=titles - {None})
        ).select_related("promiser", "jurisdiction", "category", "parent")
        self.by_slug = {p.slug: p for p in stored}
        self.by_code = {p.code: p for p in stored}
        self.by_title: dict[tuple[int, str], Pledge] = {}
        for p in stored:
            self.by_title.setdefault((p.promiser_id, p.title), p)
        # The stored "pledged" total of each pledge (the latest), read once for the whole book.
        self.pledged_figures: dict[int, BudgetFigure] = {}
        for figure in BudgetFigure.objects.filter(
            pledge__in=[p.pk for p in stored],
            stage=BudgetStage.PLEDGED,
            funder=Funder.TOTAL,
            fiscal_year__isnull=True,
        ).order_by("pk"):
            self.pledged_figures[figure.pledge_id] = figure

    def run(self) -> None:
        plans = [self._plan_row(row) for row in self.parsed.rows]
        self.plan.rows = plans
        self._find_duplicates(plans)
        self._find_taken(plans)
        for row_plan in plans:
            if not row_plan.errors:
                self._resolve_parent(row_plan, plans)
        self._find_cycles(plans)
        for row_plan in plans:
            if row_plan.errors:
                row_plan.action = ERROR
            elif row_plan.pledge is None:
                row_plan.action = CREATE
            else:
                row_plan.action = CHANGE if row_plan.changes else UNCHANGED

    # --- one row ------------------------------------------------------------------------------

    def _plan_row(self, row: BookRow) -> RowPlan:
        rp = RowPlan(row=row, errors=[problem_text(p) for p in row.problems])
        promiser = self._reference(rp, "promiser", self.promisers, self.default_promiser)
        jurisdiction = self._reference(
            rp, "jurisdiction", self.jurisdictions, self.default_jurisdiction
        )
        category = self._reference(rp, "category", self.categories, None)
        if rp.errors:
            return rp
        rp.pledge = self._stored_pledge(row, promiser)
        values: dict[str, Any] = {"promiser": promiser, "jurisdiction": jurisdiction}
        if category is not None:
            values["category"] = category
        for name in PLAIN_FIELDS:
            if name in row.values:
                values[name] = row.values[name]
        for column, model_field in LIST_MODEL_FIELDS.items():
            if column in row.values:
                values[model_field] = row.values[column]
        if rp.pledge is None:
            self._new_pledge(rp, values, promiser)
        else:
            self._changed_pledge(rp, values)
        if "budget_pledged" in row.values and not rp.errors:
            self._budget(rp, row.values["budget_pledged"])
        return rp

    def _reference(self, rp: RowPlan, column: str, lookup: _Lookup, default):
        text = rp.row.get(column)
        if not text:
            if default is None and column != "category":
                rp.errors.append(
                    _("%(column)s: %(message)s")
                    % {"column": column_label(column), "message": _("This field is required.")}
                )
            return default
        found = lookup.find(text)
        if found is None:
            known = ", ".join(sorted({str(o) for o in lookup.by_name.values()})[:8])
            rp.errors.append(
                _('%(column)s: "%(value)s" is not known (known: %(known)s); add it in the admin.')
                % {"column": column_label(column), "value": text, "known": known or "—"}
            )
        return found

    def _stored_pledge(self, row: BookRow, promiser: Promiser) -> Pledge | None:
        if row.get("slug"):
            return self.by_slug.get(row.get("slug"))
        if row.get("code"):
            return self.by_code.get(row.get("code"))
        return self.by_title.get((promiser.pk, row.get("title")))

    def _new_pledge(self, rp: RowPlan, values: dict[str, Any], promiser: Promiser) -> None:
        row = rp.row
        digest = hashlib.sha1(f"{promiser.slug}|{row.get('title')}".encode()).hexdigest()[:8]
        slug = row.get("slug") or f"{promiser.slug[:60]}-{digest}"
        values["slug"] = slug
        values["code"] = row.get("code") or f"{promiser.slug[:31]}-{digest}"
        values["original_text"] = row.get("original_text") or row.get("title")
        pledge = Pledge(**values)
        self._validate(rp, pledge)
        rp.fields = values
        for name in ("slug", "code", *self._given_columns(rp)):
            rp.changes.append(FieldChange(name, "", _display(self._value_of(values, name))))
        if not any(values.get(f) for f in TERM_FIELDS.values()):
            full, heads = derive_names(
                [values["title"], values["original_text"]],
                [values["jurisdiction"].name, *(values["jurisdiction"].aliases or [])],
            )
            rp.proposed_aliases = [n for n in full if _name_like(n)]
            rp.proposed_keywords = [n for n in heads if _name_like(n)]

    def _changed_pledge(self, rp: RowPlan, values: dict[str, Any]) -> None:
        pledge = rp.pledge
        given_text = rp.row.get("original_text")
        if given_text and given_text != pledge.original_text:
            rp.errors.append(
                _(
                    "%(column)s: the original text of a stored pledge is never overwritten; "
                    "record a revision in the admin instead."
                )
                % {"column": column_label("original_text")}
            )
            return
        if rp.row.get("code") and rp.row.get("code") != pledge.code:
            values["code"] = rp.row.get("code")
        changed = {
            name: value
            for name, value in values.items()
            if _comparable(getattr(pledge, name)) != _comparable(value)
        }
        if not changed:
            return
        candidate = copy.copy(pledge)
        for name, value in changed.items():
            setattr(candidate, name, value)
        self._validate(rp, candidate)
        rp.fields = changed
        for name, value in changed.items():
            column = _column_of(name)
            rp.changes.append(FieldChange(column, _display(getattr(pledge, name)), _display(value)))

    def _validate(self, rp: RowPlan, pledge: Pledge) -> None:
        """Lengths, URLs, slugs: in Python. References were resolved above and uniqueness is
        checked for the whole book in one query (``_find_taken``); ``full_clean`` would ask the
        database some 17 times a row."""
        try:
            pledge.clean_fields(exclude=["promiser", "jurisdiction", "category", "parent"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                for message in messages:
                    rp.errors.append(
                        _("%(column)s: %(message)s")
                        % {"column": column_label(_column_of(name)), "message": message}
                    )

    def _given_columns(self, rp: RowPlan) -> list[str]:
        skip = {"slug", "code", "parent", "budget_pledged"}
        columns = [c for c in self.parsed.columns if c in rp.row.values and c not in skip]
        for name in ("promiser", "jurisdiction", "original_text"):
            if name not in columns:
                columns.append(name)
        return columns

    @staticmethod
    def _value_of(values: dict[str, Any], column: str):
        return values.get(LIST_MODEL_FIELDS.get(column, column))

    def _budget(self, rp: RowPlan, amount: int) -> None:
        figure = self.pledged_figures.get(rp.pledge.pk) if rp.pledge is not None else None
        if figure is not None and figure.amount_krw == amount:
            return
        rp.budget_krw = amount
        rp.budget_figure = figure
        before = format_krw(figure.amount_krw) if figure is not None else ""
        rp.changes.append(FieldChange("budget_pledged", before, format_krw(amount)))

    # --- across rows --------------------------------------------------------------------------

    def _find_duplicates(self, plans: list[RowPlan]) -> None:
        seen: dict[tuple[str, Any], int] = {}
        for rp in plans:
            if rp.errors:
                continue
            keys = [("title", (rp.fields.get("promiser") or rp.pledge.promiser, rp.title))]
            keys += [(n, rp.row.get(n)) for n in ("slug", "code") if rp.row.get(n)]
            if rp.pledge is not None:
                keys.append(("pledge", rp.pledge.pk))
            for kind, value in keys:
                first = seen.setdefault((kind, value), rp.number)
                if first != rp.number:
                    rp.errors.append(
                        _("The same pledge (%(what)s) is already in row %(row)s.")
                        % {
                            "what": column_label(kind) if kind != "pledge" else rp.title,
                            "row": first,
                        }
                    )
                    break

    def _find_taken(self, plans: list[RowPlan]) -> None:
        """A new slug or code another stored pledge already has."""
        wanted = [
            (rp, name, rp.fields[name])
            for rp in plans
            if not rp.errors
            for name in ("slug", "code")
            if name in rp.fields
        ]
        slugs = {v for _rp, n, v in wanted if n == "slug"}
        codes = {v for _rp, n, v in wanted if n == "code"}
        taken: dict[tuple[str, str], int] = {}
        for pk, slug, code in Pledge.objects.filter(
            Q(slug__in=slugs) | Q(code__in=codes)
        ).values_list("pk", "slug", "code"):
            taken[("slug", slug)] = pk
            taken[("code", code)] = pk
        for rp, name, value in wanted:
            owner = taken.get((name, value))
            if owner is not None and (rp.pledge is None or rp.pledge.pk != owner):
                rp.errors.append(
                    _('%(column)s: "%(value)s" is already used by another pledge.')
                    % {"column": column_label(name), "value": value}
                )

    def _resolve_parent(self, rp: RowPlan, plans: list[RowPlan]) -> None:
        ref = rp.row.get("parent")
        if not ref:
            return
        promiser = rp.fields.get("promiser") or rp.pledge.promiser
        in_file = [
            other
            for other in plans
            if other is not rp
            and not other.errors
            and (
                ref in (other.row.get("slug"), other.row.get("code"))
                or (
                    ref == other.title
                    and (other.fields.get("promiser") or other.pledge.promiser) == promiser
                )
            )
        ]
        stored = (
            self.by_slug.get(ref) or self.by_code.get(ref) or self.by_title.get((promiser.pk, ref))
        )
        if in_file and in_file[0].pledge is None:
            rp.parent_row = in_file[0]
            after = in_file[0].title
        elif in_file or stored is not None:
            parent = in_file[0].pledge if in_file else stored
            if rp.pledge is not None and parent.pk == rp.pledge.pk:
                rp.errors.append(_("A pledge cannot be part of itself."))
                return
            if rp.pledge is not None and rp.pledge.parent_id == parent.pk:
                return
            rp.fields["parent"] = parent
            after = parent.title
        else:
            rp.errors.append(
                _('%(column)s: no pledge "%(value)s" in the file or the tracker.')
                % {"column": column_label("parent"), "value": ref}
            )
            return
        before = rp.pledge.parent.title if rp.pledge is not None and rp.pledge.parent else ""
        rp.changes.append(FieldChange("parent", before, after))

    def _find_cycles(self, plans: list[RowPlan]) -> None:
        """No pledge may end up inside itself, through new rows or stored pledges."""
        by_pk = {rp.pledge.pk: rp for rp in plans if rp.pledge is not None}

        def parent_of(node):
            if isinstance(node, RowPlan):
                if node.parent_row is not None:
                    return node.parent_row
                if "parent" in node.fields:
                    stored = node.fields["parent"]
                    return by_pk.get(stored.pk, stored)
                if node.pledge is not None and node.pledge.parent_id:
                    return by_pk.get(node.pledge.parent_id, node.pledge.parent)
                return None
            if node.parent_id:
                return by_pk.get(node.parent_id, node.parent)
            return None

        for rp in plans:
            if rp.errors:
                continue
            seen, current = {id(rp)}, parent_of(rp)
            for _step in range(len(plans) + 50):
                if current is None:
                    break
                if current is rp:
                    rp.errors.append(_("A pledge cannot be part of itself."))
                    break
                if id(current) in seen:
                    break
                seen.add(id(current))
                current = parent_of(current)


def _column_of(model_field: str) -> str:
    return {v: k for k, v in LIST_MODEL_FIELDS.items()}.get(model_field, model_field)


def _comparable(value):
    if hasattr(value, "pk"):
        return ("pk", value.pk)
    if value in (None, ""):
        return ""
    return value


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _name_like(name: str) -> bool:
    """A derived name, not a sentence the rules let through ("…구축하겠습니다.")."""
    return not name.rstrip().endswith((".", "다", "요")) and len(name.split()) <= 5


def depth_order(rows: list[RowPlan]) -> list[RowPlan]:
    """New pledges before the rows that name them as parent."""

    def depth(rp: RowPlan) -> int:
        n, current = 0, rp.parent_row
        while current is not None:
            n, current = n + 1, current.parent_row
        return n

    return sorted(rows, key=depth)
