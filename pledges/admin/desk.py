"""The machine's other suggestions on the review queue's rows: the status and milestone signals
and the budget amounts of the same article and pledge, each with its sentence, to accept, edit
then accept, or reject with a reason, by button (plain POST or fetch) or key. Thin: every
decision goes through ``review_desk.py``."""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pledges import review_desk
from pledges.admin.display import amount_line, highlight_terms
from pledges.admin.fields import KrwField
from pledges.admin.queue import RejectReasonForm, reject_reason_options
from pledges.admin.rows import row_html, row_url
from pledges.models import (
    BrokenReason,
    BudgetFigure,
    BudgetStage,
    Evidence,
    FigureState,
    Funder,
    ReviewState,
    SignalState,
    SignalSuggestion,
    Status,
)
from pledges.templatetags.pledge_format import krw

QUEUE_QUERY = "?waiting=yes"


class WaitingFilter(admin.SimpleListFilter):
    """The desk's default view: every row with something an editor has not decided, whether
    the evidence itself or a status, milestone or budget suggestion of the same article."""

    title = _("waiting for a decision")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Anything waiting: evidence, status, milestone or budget figure")),
            ("budget", _("Budget amounts waiting")),
        ]

    def queryset(self, request, queryset):
        # Budget amounts waiting: the stored count (``Evidence.open_offer_count``), read in the
        # same query from its partial index, not every evidence's amounts.
        if self.value() == "budget":
            return queryset.filter(open_offer_count__gt=0)
        if self.value() != "yes":
            return queryset
        signals = SignalSuggestion.objects.filter(state=SignalState.SUGGESTED)
        return queryset.filter(
            Q(state=ReviewState.SUGGESTED)
            | Q(pk__in=signals.values("evidence_id"))
            | Q(open_offer_count__gt=0)
        )


def pending_text(count: int) -> str:
    return ngettext(
        "%(counter)s suggestion waiting for review",
        "%(counter)s suggestions waiting for review",
        count,
    ) % {"counter": count}


def _reason_controls(prefix: str, key: str) -> SafeString:
    return format_html(
        '<select name="{prefix}_reason_choice_{key}" aria-label="{reason_label}">{options}</select>'
        '<input type="text" name="{prefix}_reason_text_{key}" maxlength="500" '
        'placeholder="{typed_label}" aria-label="{typed_label}">',
        prefix=prefix,
        key=key,
        options=reject_reason_options(),
        reason_label=_("Reason for rejecting"),
        typed_label=_("or type a reason"),
    )


def _item(kind: str, kind_label, what, sentence: SafeString, controls: SafeString) -> SafeString:
    return format_html(
        '<div class="desk-item desk-item-{}" data-desk-item>'
        '<p class="desk-what"><span class="desk-badge">{}</span> {}</p>'
        '<p class="desk-snippet">{}</p>{}</div>',
        kind,
        kind_label,
        what,
        sentence,
        controls,
    )


def _decided(label, who, reason: str = "") -> SafeString:
    name = who.get_username() if who else ""
    tail = f" · {reason}" if reason else ""
    return format_html('<p class="desk-done">{} {}{}</p>', label, name, tail)


def _draw_open_controls(*, accept, edit, reject, prefix, key, hidden) -> SafeString:
    return format_html(
        '<div class="desk-decision desk-decision-inline">{hidden}'
        '<button type="submit" class="button desk-confirm" formaction="{accept}" '
        'formmethod="post" aria-keyshortcuts="c">{accept_label}</button>'
        '<a class="desk-edit" href="{edit}" aria-keyshortcuts="e">{edit_label}</a>'
        "{reasons}"
        '<button type="submit" class="button desk-reject" formaction="{reject}" '
        'formmethod="post" aria-keyshortcuts="r">{reject_label}</button>'
        '<p class="desk-message" role="status"></p></div>',
        hidden=hidden,
        accept=accept,
        edit=edit,
        reject=reject,
        accept_label=_("Accept"),
        edit_label=_("Edit, then accept"),
        reject_label=_("Reject"),
        reasons=_reason_controls(prefix, key),
    )


def _open_controls(*, accept_url, edit_url, reject_url, prefix, key, hidden="") -> SafeString:
    # Drawn once per language, then filled per item (admin/rows.py): a page has hundreds.
    return row_html(
        _draw_open_controls,
        accept=accept_url,
        edit=edit_url,
        reject=reject_url,
        prefix=prefix,
        key=key,
        hidden=hidden,
    )


def signal_item(signal: SignalSuggestion) -> SafeString:
    is_status = bool(signal.suggested_status)
    parts = [signal.get_kind_display()]
    if is_status:
        parts.append(
            f"{signal.pledge.get_status_display()} → {signal.get_suggested_status_display()}"
        )
    if signal.milestone_kind:
        parts.append(gettext("milestone: %s") % signal.get_milestone_kind_display())
    if signal.date:
        parts.append(signal.date.isoformat())
    elif signal.date_text:
        parts.append(signal.date_text)
    if signal.state == SignalState.SUGGESTED:
        controls = _open_controls(
            accept_url=row_url("admin:pledges_evidence_signal_accept", signal.pk),
            edit_url=row_url("admin:pledges_evidence_signal_edit", signal.pk),
            reject_url=row_url("admin:pledges_evidence_signal_reject", signal.pk),
            prefix="signal",
            key=signal.pk,
        )
    else:
        controls = _decided(signal.get_state_display(), signal.reviewer, signal.reject_reason)
    return _item(
        "status" if is_status else "milestone",
        _("Status change") if is_status else _("Milestone"),
        " · ".join(str(p) for p in parts),
        highlight_terms(signal.sentence, [signal.trigger] if signal.trigger else []),
        controls,
    )


def budget_item(offer: review_desk.BudgetOffer) -> SafeString:
    evidence = offer.evidence
    key = f"{evidence.pk}_{offer.index}"
    figure = offer.figure
    if offer.is_open:
        ids = (evidence.pk, offer.index)
        controls = _open_controls(
            accept_url=row_url("admin:pledges_evidence_budget_confirm", *ids),
            edit_url=row_url("admin:pledges_evidence_budget_edit", *ids),
            reject_url=row_url("admin:pledges_evidence_budget_reject", *ids),
            prefix="budget",
            key=key,
            hidden=format_html(
                '<input type="hidden" name="budget_krw_{}" value="{}">', key, offer.krw
            ),
        )
    elif figure is not None:
        controls = _decided(figure.get_state_display(), figure.confirmed_by, figure.reject_reason)
    else:
        controls = mark_safe("")
    text = str(offer.amount.get("text") or "")
    return _item(
        "budget",
        _("Budget figure"),
        amount_line(offer.amount),
        highlight_terms(offer.sentence, [text] if text else []),
        controls,
    )


def read_desk_suggestions(rows: list[Evidence]) -> None:
    """Read the status and milestone signals and the budget figures of these evidence rows,
    two queries for all, and keep them on each row (``desk_signals``, ``desk_figures``) for
    ``desk_items``. Cheaper than prefetch_related for a page of the queue, which makes a
    query set per row and relation (half of loading a 50-row page, profiled)."""
    ids = [row.pk for row in rows]
    signals, figures = defaultdict(list), defaultdict(list)
    for signal in (
        SignalSuggestion.objects.filter(evidence_id__in=ids)
        .select_related("pledge", "reviewer")
        .order_by("source", "start", "pk")
    ):
        signals[signal.evidence_id].append(signal)
    for figure in (
        BudgetFigure.objects.filter(evidence_id__in=ids)
        .select_related("confirmed_by")
        .order_by("pk")
    ):
        figures[figure.evidence_id].append(figure)
    for row in rows:
        row.desk_signals = signals[row.pk]
        row.desk_figures = figures[row.pk]


def desk_items(evidence: Evidence) -> SafeString:
    """The signals and budget amounts of one evidence row (read for a whole page at once by
    ``read_desk_suggestions``; for this row alone otherwise)."""
    if not hasattr(evidence, "desk_signals"):
        read_desk_suggestions([evidence])
    items = [signal_item(s) for s in evidence.desk_signals]
    if evidence.state != ReviewState.REJECTED:
        offers = review_desk.budget_offers(evidence, evidence.desk_figures)
        items += [budget_item(o) for o in offers]
    if not items:
        return mark_safe("")
    return format_html('<div class="desk-items">{}</div>', mark_safe("".join(items)))


# --- Edit, then accept ----------------------------------------------------------------------------


class SignalEditForm(forms.Form):
    suggested_status = forms.ChoiceField(label=_("New status"), required=False, choices=())
    broken_reason = forms.ChoiceField(label=_("broken reason"), required=False, choices=())
    effective_date = forms.DateField(label=_("Effective date"), required=False)
    rationale = forms.CharField(label=_("Rationale"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["suggested_status"].choices = [("", _("No status change")), *Status.choices]
        self.fields["broken_reason"].choices = [("", "—"), *BrokenReason.choices]


class BudgetEditForm(forms.Form):
    amount_krw = KrwField(label=_("Amount (KRW)"), help_text=_("For example 957억 원."))
    stage = forms.ChoiceField(label=_("stage"), choices=BudgetStage.choices)
    funder = forms.ChoiceField(label=_("funder"), choices=Funder.choices)
    fiscal_year = forms.IntegerField(
        label=_("fiscal year"), required=False, min_value=1990, max_value=2100
    )
    as_of = forms.DateField(label=_("as of"))
    is_lower_bound = forms.BooleanField(label=_("lower bound"), required=False)


# --- Views ---------------------------------------------------------------------------------------


class DeskSuggestionsMixin:
    """URLs and views of the signal and budget rows, for EvidenceAdmin."""

    def get_urls(self):
        view = self.admin_site.admin_view
        extra = [
            path(
                "signal/<int:signal_id>/accept/",
                view(self.signal_accept_view),
                name="pledges_evidence_signal_accept",
            ),
            path(
                "signal/<int:signal_id>/reject/",
                view(self.signal_reject_view),
                name="pledges_evidence_signal_reject",
            ),
            path(
                "signal/<int:signal_id>/edit/",
                view(self.signal_edit_view),
                name="pledges_evidence_signal_edit",
            ),
            path(
                "<int:evidence_id>/budget/<int:index>/confirm/",
                view(self.budget_confirm_view),
                name="pledges_evidence_budget_confirm",
            ),
            path(
                "<int:evidence_id>/budget/<int:index>/reject/",
                view(self.budget_reject_view),
                name="pledges_evidence_budget_reject",
            ),
            path(
                "<int:evidence_id>/budget/<int:index>/edit/",
                view(self.budget_edit_view),
                name="pledges_evidence_budget_edit",
            ),
        ]
        return extra + super().get_urls()

    # --- permissions ---

    def _may_decide_signals(self, request) -> bool:
        return self.has_change_permission(request) and request.user.has_perm(
            "pledges.add_statuschange"
        )

    def _may_decide_budgets(self, request) -> bool:
        return self.has_change_permission(request) and request.user.has_perm(
            "pledges.change_budgetfigure"
        )

    def _signal(self, request, signal_id: int) -> SignalSuggestion:
        if not self._may_decide_signals(request):
            raise PermissionDenied
        return get_object_or_404(
            SignalSuggestion.objects.select_related("pledge", "evidence__article"), pk=signal_id
        )

    def _evidence(self, request, evidence_id: int) -> Evidence:
        if not self._may_decide_budgets(request):
            raise PermissionDenied
        return get_object_or_404(Evidence.objects.select_related("article"), pk=evidence_id)

    # --- signals ---

    def signal_accept_view(self, request, signal_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        signal = self._signal(request, signal_id)
        return self._run(
            request,
            signal.evidence_id,
            lambda: review_desk.accept_signal_suggestion(signal=signal, reviewer=request.user),
            lambda done: gettext("Accepted: %(signal)s") % {"signal": done},
        )

    def signal_reject_view(self, request, signal_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        signal = self._signal(request, signal_id)
        return self._run(
            request,
            signal.evidence_id,
            lambda: review_desk.reject_signal_suggestion(
                signal=signal,
                reviewer=request.user,
                reason=self._reason(request, "signal", signal.pk),
            ),
            lambda done: (
                gettext("Rejected (%(reason)s): %(signal)s")
                % {"reason": done.reject_reason, "signal": done}
            ),
        )

    def signal_edit_view(self, request, signal_id: int):
        signal = self._signal(request, signal_id)
        article = signal.evidence.article
        initial = {
            "suggested_status": signal.suggested_status,
            "broken_reason": signal.broken_reason,
            "effective_date": signal.date,
        }
        form = SignalEditForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                done = review_desk.accept_signal_suggestion(
                    signal=signal,
                    reviewer=request.user,
                    suggested_status=data["suggested_status"],
                    broken_reason=data["broken_reason"],
                    effective_date=data["effective_date"],
                    rationale=data["rationale"],
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                self.message_user(request, gettext("Accepted: %(signal)s") % {"signal": done})
                return HttpResponseRedirect(self._queue_url())
        return self._edit_page(
            request,
            form,
            title=_("Edit, then accept: %(kind)s") % {"kind": signal.get_kind_display()},
            heading=f"{signal.pledge.code} · {signal.pledge.title}",
            sentence=highlight_terms(signal.sentence, [signal.trigger] if signal.trigger else []),
            source=" · ".join(p for p in (article.outlet, article.title) if p),
        )

    # --- budget amounts ---

    def budget_confirm_view(self, request, evidence_id: int, index: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        evidence = self._evidence(request, evidence_id)
        return self._run(
            request,
            evidence.pk,
            lambda: review_desk.confirm_budget_offer(
                evidence=evidence,
                index=index,
                reviewer=request.user,
                expected_krw=self._expected_krw(request, evidence.pk, index),
            ),
            self._figure_message,
        )

    def budget_reject_view(self, request, evidence_id: int, index: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        evidence = self._evidence(request, evidence_id)
        key = f"{evidence.pk}_{index}"
        return self._run(
            request,
            evidence.pk,
            lambda: review_desk.reject_budget_offer(
                evidence=evidence,
                index=index,
                reviewer=request.user,
                reason=self._reason(request, "budget", key),
                expected_krw=self._expected_krw(request, evidence.pk, index),
            ),
            self._figure_message,
        )

    def budget_edit_view(self, request, evidence_id: int, index: int):
        evidence = self._evidence(request, evidence_id)
        offer = next((o for o in review_desk.budget_offers(evidence) if o.index == index), None)
        if offer is None:
            raise Http404
        article = evidence.article
        published = timezone.localdate(article.published_at) if article.published_at else None
        initial = {
            "amount_krw": offer.krw,
            "stage": offer.stage,
            "funder": offer.funder,
            "as_of": published or timezone.localdate(article.fetched_at),
        }
        form = BudgetEditForm(request.POST if request.method == "POST" else None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                figure = review_desk.confirm_budget_offer(
                    evidence=evidence,
                    index=index,
                    reviewer=request.user,
                    expected_krw=offer.krw,
                    changes=form.cleaned_data,
                )
            except ValidationError as error:
                form.add_error(None, error.messages[0])
            else:
                self.message_user(request, self._figure_message(figure))
                return HttpResponseRedirect(self._queue_url())
        return self._edit_page(
            request,
            form,
            title=_("Edit, then accept: %(amount)s") % {"amount": amount_line(offer.amount)},
            heading=f"{evidence.pledge.code} · {evidence.pledge.title}",
            sentence=highlight_terms(offer.sentence, [offer.amount.get("text") or ""]),
            source=" · ".join(p for p in (article.outlet, article.title) if p),
        )

    # --- shared ---

    @staticmethod
    def _figure_message(figure) -> str:
        words = {
            "amount": krw(figure.amount_krw),
            "funder": figure.get_funder_display(),
            "stage": figure.get_stage_display(),
        }
        if figure.state == FigureState.REJECTED:
            return gettext("Rejected (%(reason)s): %(amount)s (%(funder)s · %(stage)s)") % {
                **words,
                "reason": figure.reject_reason,
            }
        return gettext("Confirmed: %(amount)s (%(funder)s · %(stage)s)") % words

    @staticmethod
    def _expected_krw(request, evidence_pk: int, index: int) -> int | None:
        try:
            return int(request.POST.get(f"budget_krw_{evidence_pk}_{index}", ""))
        except ValueError:
            return None

    @staticmethod
    def _reason(request, prefix: str, key) -> str:
        form = RejectReasonForm(
            {
                "reason_choice": request.POST.get(f"{prefix}_reason_choice_{key}")
                or request.POST.get("reason_choice", ""),
                "reason_text": request.POST.get(f"{prefix}_reason_text_{key}")
                or request.POST.get("reason_text", ""),
            }
        )
        if not form.is_valid():
            raise ValidationError(form.non_field_errors()[0], code="reason_required")
        return form.cleaned_data["reason"]

    def _queue_url(self) -> str:
        return reverse("admin:pledges_evidence_changelist") + QUEUE_QUERY

    def _run(self, request, evidence_pk: int, decide, describe):
        status = 200
        try:
            done = decide()
            text = describe(done)
            state = done.state
        except review_desk.AlreadyReviewed as conflict:
            text, state, status = conflict.messages[0], "", 409
        except ValidationError as error:
            text, state, status = error.messages[0], "", 400
        if "application/json" in request.headers.get("Accept", ""):
            pending = sum(review_desk.pending_counts().values())
            evidence = Evidence.objects.filter(pk=evidence_pk).first()
            return JsonResponse(
                {
                    "ok": status == 200,
                    "state": state if status == 200 else "conflict" if status == 409 else "",
                    "message": text,
                    "evidence_state": evidence.state if evidence else "",
                    "pending": pending,
                    "pending_text": pending_text(pending),
                },
                status=status,
            )
        self.message_user(request, text, messages.SUCCESS if status == 200 else messages.ERROR)
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = self._queue_url()
        return HttpResponseRedirect(back)

    def _edit_page(self, request, form, *, title, heading, sentence, source):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "form": form,
            "heading": heading,
            "sentence": sentence,
            "source": source,
            "queue_url": self._queue_url(),
        }
        return TemplateResponse(request, "admin/pledges/evidence/desk_edit.html", context)
