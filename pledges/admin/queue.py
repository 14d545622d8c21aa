"""The review queue's moving parts: confirm or reject one suggestion from its row (a plain POST
where JavaScript does not run, fetch where it does), reject many with a reason asked on an
intermediate page, and the filters an editor narrows the queue with. Every decision goes through
``review.confirm_evidence`` / ``review.reject_evidence`` with the state the editor saw, so two
editors on one suggestion never overwrite each other."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pledges import review, review_desk
from pledges.models import Article, Evidence, Pledge, ReviewState

# The reasons editors give most (stable keys; the stored reason is the label as the editor read
# it); anything else is typed.
REJECT_REASONS = {
    "not_about": _("Not about this pledge"),
    "passing": _("Passing mention only"),
    "same_name": _("Another place with the same name"),
    "duplicate": _("Duplicate or wire copy of an article already reviewed"),
    "opinion": _("Opinion or advertorial, not news"),
}


# Newest day first, best score first within the day, then newest, the last tie by id: the
# order of the index ``evidence_desk_order`` (and, for suggestions, ``evidence_queue_by_day``),
# so a page is read from it and stopped instead of sorting every row that matches. The day is
# an expression, not an annotation: autocomplete widgets elsewhere order evidence by the
# admin's ordering too, without the changelist's annotations.
DESK_ORDER = (TruncDate("created_at").desc(), "-score", "-created_at", "-id")
# Decisions one bulk action makes in one request, and rows its reason page lists (see below).
BULK_DECISION_LIMIT = 500
REJECT_LIST_SHOWN = 100


def reject_reason_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a reason…")), *REJECT_REASONS.items()]


def reject_reason_options() -> SafeString:
    """The reasons as the <option>s of a select, in the active language."""
    return format_html_join("", '<option value="{}">{}</option>', reject_reason_choices())


class RejectReasonForm(forms.Form):
    """A reason from the short list or typed; typed text wins when both are given."""

    reason_choice = forms.ChoiceField(label=_("Reason"), required=False, choices=())
    reason_text = forms.CharField(
        label=_("Or type a reason"), required=False, max_length=500, strip=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason_choice"].choices = reject_reason_choices()

    def clean(self):
        data = super().clean()
        choice = data.get("reason_choice")
        reason = data.get("reason_text") or (str(REJECT_REASONS[choice]) if choice else "")
        if not reason:
            raise ValidationError(_("Give a reason for rejecting."), code="reason_required")
        data["reason"] = reason
        return data


class ScoreBandFilter(admin.SimpleListFilter):
    title = _("score band")
    parameter_name = "score_band"
    BANDS = {
        "high": (0.8, None),
        "medium": (0.65, 0.8),
        "low": (None, 0.65),
    }

    def lookups(self, request, model_admin):
        return [
            ("high", _("High (0.80 and above)")),
            ("medium", _("Medium (0.65 to 0.80)")),
            ("low", _("Low (below 0.65)")),
            ("none", _("No score (tagged by hand)")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(score__isnull=True)
        if value not in self.BANDS:
            return queryset
        low, high = self.BANDS[value]
        if low is not None:
            queryset = queryset.filter(score__gte=low)
        if high is not None:
            queryset = queryset.filter(score__lt=high)
        return queryset


# At a national pledge book (10,000 pledges, a million articles) Django's related and
# all-values filters list every pledge with evidence and scan every article's outlet on each
# page load (16 s in bench-scale). These list the busiest of what waits instead, in reads whose
# cost does not grow with the articles; any other value still filters when given.
BUSIEST_SHOWN = 30
# The outlets offered are those of the suggestions at the top of the queue: grouping every
# waiting suggestion by its article's outlet joins the queue to the articles table, which at
# 50,000 waiting switched to a full scan of a million articles (375 ms a page, growing with the
# archive); each suggestion looked at costs a read of its article (2,000 took 14 ms).
OUTLETS_FROM_TOP = 500


class WaitingPledgeFilter(admin.SimpleListFilter):
    title = _("pledge")
    parameter_name = "pledge__id__exact"

    def lookups(self, request, model_admin):
        # Counted on the evidence index (state, pledge) alone, then the few pledges shown read
        # by id: joining the pledges first hashed the whole pledge book on every page load.
        # COUNT(*), not of the id, which is not in that index: 2.5 ms instead of 15 ms at
        # 20,000 waiting, read from the index only.
        busiest = list(
            Evidence.objects.filter(state=ReviewState.SUGGESTED)
            .values("pledge_id")
            .annotate(waiting=Count("*"))
            .order_by("-waiting", "pledge_id")[:BUSIEST_SHOWN]
        )
        pledges = Pledge.objects.only("code", "title").in_bulk([r["pledge_id"] for r in busiest])
        rows = sorted(
            ((r["waiting"], pledges[r["pledge_id"]]) for r in busiest if r["pledge_id"] in pledges),
            key=lambda row: (-row[0], row[1].code),
        )
        return [
            (str(pledge.pk), f"{pledge.code} {pledge.title} ({waiting})")
            for waiting, pledge in rows
        ]

    def has_output(self):
        return True  # a pledge chosen elsewhere (a link) can still be cleared here

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(pledge_id=int(value))


class WaitingOutletFilter(admin.SimpleListFilter):
    title = _("outlet")
    parameter_name = "article__outlet"

    def lookups(self, request, model_admin):
        top = Evidence.objects.filter(state=ReviewState.SUGGESTED).order_by(*DESK_ORDER)
        rows = (
            Article.objects.filter(
                pk__in=top.values("article_id")[:OUTLETS_FROM_TOP], outlet__gt=""
            )
            .values("outlet")
            .annotate(waiting=Count("*"))
            .order_by("-waiting", "outlet")[:BUSIEST_SHOWN]
        )
        return [(r["outlet"], r["outlet"]) for r in rows]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(article__outlet=value) if value else queryset


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


class ReviewQueueMixin:
    """Row and bulk review for EvidenceAdmin."""

    def get_urls(self):
        extra = [
            path(
                "<int:evidence_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="pledges_evidence_confirm",
            ),
            path(
                "<int:evidence_id>/reject/",
                self.admin_site.admin_view(self.reject_view),
                name="pledges_evidence_reject",
            ),
        ]
        return extra + super().get_urls()

    # --- one row -------------------------------------------------------------------------

    def confirm_view(self, request, evidence_id: int):
        return self._decide(request, evidence_id, confirm=True)

    def reject_view(self, request, evidence_id: int):
        return self._decide(request, evidence_id, confirm=False)

    def _decide(self, request, evidence_id: int, *, confirm: bool):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        evidence = Evidence.objects.filter(pk=evidence_id).first()
        if evidence is None:
            raise Http404
        if not self.has_change_permission(request, evidence):
            raise PermissionDenied
        # The state the editor saw when the queue was drawn; a suggestion unless told otherwise.
        expected = request.POST.get(f"expected_state_{evidence.pk}") or request.POST.get(
            "expected_state", ReviewState.SUGGESTED
        )
        try:
            if confirm:
                evidence = review.confirm_evidence(
                    evidence=evidence, reviewer=request.user, expected_state=expected
                )
            else:
                form = RejectReasonForm(
                    {
                        "reason_choice": request.POST.get(f"reason_choice_{evidence.pk}")
                        or request.POST.get("reason_choice", ""),
                        "reason_text": request.POST.get(f"reason_text_{evidence.pk}")
                        or request.POST.get("reason_text", ""),
                    }
                )
                if not form.is_valid():
                    raise ValidationError(form.non_field_errors()[0], code="reason_required")
                evidence = review.reject_evidence(
                    evidence=evidence,
                    reviewer=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_state=expected,
                )
        except review.AlreadyReviewed as conflict:
            return self._answer(request, evidence, conflict.messages[0], status=409)
        except ValidationError as error:
            return self._answer(request, evidence, error.messages[0], status=400)
        if confirm:
            text = gettext("Confirmed: %(evidence)s") % {"evidence": evidence}
        else:
            text = gettext("Rejected (%(reason)s): %(evidence)s") % {
                "reason": evidence.reject_reason,
                "evidence": evidence,
            }
        return self._answer(request, evidence, text, status=200)

    def _answer(self, request, evidence: Evidence, text: str, *, status: int):
        if _wants_json(request):
            evidence.refresh_from_db()
            pending = sum(review_desk.pending_counts().values())
            return JsonResponse(
                {
                    "ok": status == 200,
                    "id": evidence.pk,
                    "state": evidence.state,
                    "state_label": str(ReviewState(evidence.state).label),
                    "evidence_state": evidence.state,
                    "message": text,
                    "pending": pending,
                    "pending_text": ngettext(
                        "%(counter)s suggestion waiting for review",
                        "%(counter)s suggestions waiting for review",
                        pending,
                    )
                    % {"counter": pending},
                },
                status=status,
            )
        self.message_user(request, text, messages.SUCCESS if status == 200 else messages.ERROR)
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse("admin:pledges_evidence_changelist") + "?waiting=yes"
        return HttpResponseRedirect(back)

    # --- many rows -----------------------------------------------------------------------
    # "Select all" on a national queue selects tens of thousands of rows. Each decision is its
    # own transaction with its trail entry, so one request makes at most BULK_DECISION_LIMIT of
    # them (well within the web server's timeout) and says how many are left for the next run;
    # the reason page lists the first REJECT_LIST_SHOWN and counts the rest.

    @admin.action(description=_("Confirm selected suggestions"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        done, taken = 0, []
        batch, left = _first_of(queryset)
        for evidence in batch.select_related("article", "pledge"):
            try:
                review.confirm_evidence(
                    evidence=evidence, reviewer=request.user, expected_state=ReviewState.SUGGESTED
                )
                done += 1
            except review.AlreadyReviewed as conflict:
                taken.append(conflict.messages[0])
        self._report(request, done, taken, confirmed=True, left=left)

    @admin.action(description=_("Reject selected suggestions…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        """Asks for the reason on an intermediate page, then rejects them all with it."""
        form = RejectReasonForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, taken = 0, []
            batch, left = _first_of(queryset)
            for evidence in batch:
                try:
                    review.reject_evidence(
                        evidence=evidence,
                        reviewer=request.user,
                        reason=form.cleaned_data["reason"],
                        expected_state=ReviewState.SUGGESTED,
                    )
                    done += 1
                except review.AlreadyReviewed as conflict:
                    taken.append(conflict.messages[0])
            self._report(request, done, taken, confirmed=False, left=left)
            return None
        selected = queryset.count()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject suggestions"),
            "opts": self.model._meta,
            "shown": queryset.select_related("article", "pledge")[:REJECT_LIST_SHOWN],
            "selected": selected,
            "not_shown": max(0, selected - REJECT_LIST_SHOWN),
            "deciding_now": min(selected, BULK_DECISION_LIMIT),
            # Without "select all" the ids go back as they came (at most a page of them); with
            # it, the admin selects again by the filters in the address.
            "selected_ids": []
            if request.POST.get("select_across") == "1"
            else list(queryset.values_list("pk", flat=True)[:BULK_DECISION_LIMIT]),
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/pledges/evidence/reject_selected.html", context)

    def _report(
        self, request, done: int, taken: list[str], *, confirmed: bool, left: int = 0
    ) -> None:
        if confirmed:
            text = ngettext("%d suggestion confirmed.", "%d suggestions confirmed.", done) % done
        else:
            text = ngettext("%d suggestion rejected.", "%d suggestions rejected.", done) % done
        self.message_user(request, text, messages.SUCCESS)
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d more selected was not decided yet: one run decides at most "
                    "%(limit)d. Run the action again for the rest.",
                    "%(count)d more selected were not decided yet: one run decides at most "
                    "%(limit)d. Run the action again for the rest.",
                    left,
                )
                % {"count": left, "limit": BULK_DECISION_LIMIT},
                messages.WARNING,
            )
        if taken:
            self.message_user(
                request,
                ngettext(
                    "%(count)d was skipped: another editor had reviewed it first (%(detail)s).",
                    "%(count)d were skipped: other editors had reviewed them first (%(detail)s).",
                    len(taken),
                )
                % {"count": len(taken), "detail": "; ".join(taken[:3])},
                messages.WARNING,
            )


def _first_of(queryset):
    """The first BULK_DECISION_LIMIT selected rows, in the queue's order, and how many more
    were selected (counted only when there are more)."""
    ids = list(queryset.values_list("pk", flat=True)[: BULK_DECISION_LIMIT + 1])
    left = queryset.count() - BULK_DECISION_LIMIT if len(ids) > BULK_DECISION_LIMIT else 0
    batch = Evidence.objects.filter(pk__in=ids[:BULK_DECISION_LIMIT]).order_by(*DESK_ORDER)
    return batch, left
