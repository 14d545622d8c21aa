"""Articles and the review queue of evidence in the editors' desk. Thin: every write goes
through review.py; the queue's row and bulk decisions live in ``admin/queue.py``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import PAGE_VAR
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pledges import matching, review
from pledges.admin.desk import (
    QUEUE_QUERY,
    DeskSuggestionsMixin,
    WaitingFilter,
    desk_items,
    read_desk_suggestions,
)
from pledges.admin.display import amounts_list, feature_lines, highlight_terms, terms_text
from pledges.admin.paging import CappedCountPaginator, PageByIdsChangeList
from pledges.admin.queue import (
    DESK_ORDER,
    ReviewQueueMixin,
    ScoreBandFilter,
    WaitingOutletFilter,
    WaitingPledgeFilter,
    reject_reason_choices,
    reject_reason_options,
)
from pledges.admin.rows import row_html, row_url
from pledges.models import (
    Article,
    Evidence,
    PledgeBookVersion,
    RematchBatch,
    RematchRun,
    ReviewState,
    SimilarityKey,
)


class ManualTagForm(forms.ModelForm):
    """Tagging by hand: a pair the matcher already suggested is not a duplicate to refuse but
    the row ``review.attach_article_manually`` turns into manual, confirmed evidence."""

    class Meta:
        model = Evidence
        fields = ["article", "pledge", "snippet"]

    def _get_validation_exclusions(self):
        # The (article, pledge) constraint is not this form's to enforce: the editor action
        # reuses the existing row. Both fields are checked by their form fields already.
        return {*super()._get_validation_exclusions(), "article", "pledge"}


class EvidenceInline(admin.TabularInline):
    """The article's evidence as it stands; reviewed on the evidence's own page or the queue."""

    model = Evidence
    extra = 0
    fields = ["pledge", "state", "score", "method", "snippet"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class TagArticleInline(admin.TabularInline):
    """Tag the article to more pledges by hand: each row becomes manual, confirmed evidence
    through ``review.attach_article_manually``."""

    model = Evidence
    form = ManualTagForm
    extra = 0
    fields = ["pledge", "snippet"]
    autocomplete_fields = ["pledge"]
    can_delete = False
    verbose_name = _("tag to a pledge")
    verbose_name_plural = _("tag to pledges by hand")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "outlet", "published_at", "fetched_at", "duplicate_of"]
    list_filter = ["outlet", "language"]
    search_fields = ["title", "canonical_url", "body"]
    date_hierarchy = "published_at"
    readonly_fields = ["content_hash", "fetched_at", "matched_at", "normalized_body"]
    inlines = [EvidenceInline, TagArticleInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Evidence:
            return formset.save()
        for evidence in formset.save(commit=False):
            if evidence.pk is None:
                review.attach_article_manually(
                    article=form.instance,
                    pledge=evidence.pledge,
                    reviewer=request.user,
                    snippet=evidence.snippet,
                )


class EvidenceForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["article", "pledge", "snippet", "reject_reason"]

    def _get_validation_exclusions(self):
        # Adding evidence by hand for a pair the matcher suggested is tagging it, not a
        # duplicate: review.attach_article_manually turns that row manual and confirmed.
        excluded = super()._get_validation_exclusions()
        if self.instance.pk is None:
            excluded = {*excluded, "article", "pledge"}
        return excluded


def _draw_decision(*, pk, state, confirm, reject) -> str:
    """A suggestion's decision on its queue row (drawn once per language, admin/rows.py)."""
    return format_html(
        '<div class="desk-decision" data-evidence="{pk}">'
        '<input type="hidden" name="expected_state_{pk}" value="{state}">'
        '<button type="submit" class="button desk-confirm" formaction="{confirm}" '
        'formmethod="post" aria-keyshortcuts="c">{confirm_label}</button>'
        '<select name="reason_choice_{pk}" aria-label="{reason_label}">{options}</select>'
        '<input type="text" name="reason_text_{pk}" maxlength="500" '
        'placeholder="{typed_label}" aria-label="{typed_label}">'
        '<button type="submit" class="button desk-reject" formaction="{reject}" '
        'formmethod="post" aria-keyshortcuts="r">{reject_label}</button>'
        '<p class="desk-message" role="status"></p>'
        "</div>",
        pk=pk,
        state=state,
        confirm=confirm,
        reject=reject,
        confirm_label=_("Confirm"),
        reject_label=_("Reject"),
        reason_label=_("Reason for rejecting"),
        typed_label=_("or type a reason"),
        options=reject_reason_options(),
    )


@admin.register(Evidence)
class EvidenceAdmin(ReviewQueueMixin, DeskSuggestionsMixin, admin.ModelAdmin):
    """The review queue: one screen of suggestions, newest day first and best score first
    within it; confirm or reject on the row (keys j/k, c, r) or many at once. Under each
    article's sentence, the status, milestone and budget suggestions of the same article and
    pledge, decided the same way (``admin/desk.py``)."""

    form = EvidenceForm
    list_display = ["suggestion", "score_column", "justification", "decision"]
    list_display_links = None
    list_filter = [
        WaitingFilter,
        "state",
        ScoreBandFilter,
        WaitingPledgeFilter,
        WaitingOutletFilter,
        ("article__published_at", admin.DateFieldListFilter),
        "method",
    ]
    list_per_page = 50
    # "50 of 1,234 (show all)" would count every evidence row on each page load; the rows
    # that match are counted only as far as the pages in reach (``admin/paging.py``).
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ["article__title", "snippet", "pledge__title", "pledge__code"]
    autocomplete_fields = ["article", "pledge"]
    readonly_fields = [
        "decide_here",
        "why_suggested",
        "terms_found",
        "amounts_found",
        "reviewer",
        "reviewed_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "article",
        "pledge",
        "state",
        "decide_here",
        "why_suggested",
        "snippet",
        "terms_found",
        "amounts_found",
        "score",
        "method",
        "reject_reason",
        "reviewer",
        "reviewed_at",
    ]
    actions = ["confirm_selected", "reject_selected", "suggest_budget_figures"]
    # Newest day first, best score first within the day, to the last tie (admin/queue.py).
    ordering = DESK_ORDER
    change_list_template = "admin/pledges/evidence/change_list.html"

    class Media:
        css = {"all": ["pledges/admin/desk.css"]}
        js = ["pledges/admin/review_queue.js"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("article", "pledge", "reviewer")

    def get_changelist(self, request, **kwargs):
        return PageByIdsChangeList

    # What the queue's columns show of a row (``page_rows``): not the article's text, its
    # normalized copy or the matcher's features (tens of kilobytes a row in a real article),
    # nor the pledge's many other fields. A column that needs another field adds it here;
    # reading it otherwise costs a query per row, which the query-count test catches.
    ROW_FIELDS = [
        "article__title",
        "article__canonical_url",
        "article__outlet",
        "article__published_at",
        "pledge__code",
        "pledge__title",
        "reviewer__username",
        "state",
        "score",
        "snippet",
        "matched_terms",
        "amounts",
        "method",
        "reject_reason",
        "open_offer_count",
        "reviewed_at",
        "created_at",
    ]

    def page_rows(self, ids: list[int]) -> list[Evidence]:
        """One page of the queue, by id: its rows with what the columns show, and the status,
        milestone and budget suggestions of each (a fixed number of queries a page)."""
        rows = list(
            Evidence.objects.filter(pk__in=ids)
            .select_related("article", "pledge", "reviewer")
            .only(*self.ROW_FIELDS)
            .order_by()  # put in the page's order by the caller
        )
        read_desk_suggestions(rows)
        return rows

    def changelist_view(self, request, extra_context=None):
        # The list opens as the review queue: suggestions only.
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}{QUEUE_QUERY}")
        context = {
            # The queue needs the width: the app list stays on the index page.
            "is_nav_sidebar_enabled": False,
            "title": _("Review queue"),
            "reject_reason_choices": reject_reason_choices(),
            **(extra_context or {}),
        }
        response = super().changelist_view(request, context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None and cl.paginator.count_is_capped:
            # "All 1,000+ selected", not a count the rows were never counted to.
            response.context_data["selection_note_all"] = ngettext(
                "%(total_count)s selected", "All %(total_count)s selected", cl.result_count
            ) % {"total_count": cl.paginator.count_text}
        return response

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page_number = int(request.GET.get(PAGE_VAR, 1))
        except ValueError:
            page_number = 1
        return self.paginator(
            queryset, per_page, orphans, allow_empty_first_page, page_number=page_number
        )

    def get_fields(self, request, obj=None):
        if obj is None:  # tagging by hand: the rest is the editor action's to set
            return ["article", "pledge", "snippet"]
        return super().get_fields(request, obj)

    @admin.display(description=_("why it was suggested"))
    def why_suggested(self, obj) -> str:
        if obj is None or obj.pk is None or not obj.match_features:
            return "—"
        why = matching.explain_suggestion(obj)
        if why.calibrated:
            heading = _("Learned from the editors' decisions (log-odds; + for, − against):")
        else:
            heading = _("No calibrator yet: the matcher's rules saw")
        return format_html(
            "<p>{}: {}</p><p>{}</p><p>{}: {}</p><p>{}</p><ul>{}</ul>",
            _("Matched terms"),
            terms_text(why.terms),
            why.sentence,
            _("Rule score"),
            f"{why.rule_score:.2f}" if why.rule_score is not None else "—",
            heading,
            feature_lines(why.weights),
        )

    @admin.display(description=_("decision"))
    def decide_here(self, obj) -> str:
        """The queue's row decision on the evidence's own page (plain POST, back to this
        page), with the status, milestone and budget suggestions of the same article."""
        if obj is None or obj.pk is None:
            return "—"
        # The first submit button of a form is what Enter in a text field presses: a disabled
        # one first means Enter in a reason field neither confirms nor saves by accident.
        return format_html(
            '<div class="desk-page-decision">'
            '<button type="submit" disabled hidden aria-hidden="true"></button>{}{}</div>',
            self.decision(obj),
            desk_items(obj),
        )

    @admin.display(description=_("matched terms"))
    def terms_found(self, obj) -> str:
        return terms_text(obj.matched_terms) if obj else "—"

    @admin.display(description=_("amounts found"))
    def amounts_found(self, obj) -> str:
        return (amounts_list(obj.amounts) or "—") if obj else "—"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["article", "pledge", "state", "score", "method"]
        return fields

    def has_delete_permission(self, request, obj=None) -> bool:
        # Confirmed evidence is public and ratings rest on it; a wrong suggestion is rejected
        # with a reason, which the matcher's re-runs respect. Nothing is deleted from the desk.
        return False

    # --- the queue's columns -----------------------------------------------------------------
    # Each is drawn 50 times a page: URLs and the decision's controls are made once and
    # filled per row (admin/rows.py).

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj) -> str:
        # Django's own markup, without rendering a form widget's template for every row.
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )

    @admin.display(description=_("suggestion"), ordering="pledge__code")
    def suggestion(self, obj) -> str:
        article = obj.article
        published = (
            timezone.localtime(article.published_at).strftime("%Y-%m-%d")
            if article.published_at
            else ""
        )
        meta = [m for m in (article.outlet, published) if m]
        return format_html(
            '<div class="desk-pledge">{} · {}</div>'
            '<a class="desk-title" href="{}">{}</a>'
            '<div class="desk-meta">{}</div>',
            obj.pledge.code,
            obj.pledge.title,
            row_url("admin:pledges_evidence_change", obj.pk),
            article.title or article.canonical_url or f"#{article.pk}",
            " · ".join(meta),
        )

    @admin.display(description=_("score"), ordering="score")
    def score_column(self, obj) -> str:
        if obj.score is None:
            return format_html('<span class="desk-score">{}</span>', _("by hand"))
        return format_html('<span class="desk-score">{}</span>', f"{obj.score:.2f}")

    @admin.display(description=_("justifying sentence"))
    def justification(self, obj) -> str:
        return format_html(
            '<p class="desk-snippet">{}</p>{}{}',
            highlight_terms(obj.snippet, obj.matched_terms or []),
            amounts_list(obj.amounts),
            desk_items(obj),
        )

    @admin.display(description=_("decision"))
    def decision(self, obj) -> str:
        if obj.state != ReviewState.SUGGESTED:
            who = obj.reviewer.get_username() if obj.reviewer else ""
            reason = f" · {obj.reject_reason}" if obj.reject_reason else ""
            return format_html(
                '<span class="desk-done">{} {}{}</span>', obj.get_state_display(), who, reason
            )
        return row_html(
            _draw_decision,
            pk=obj.pk,
            state=obj.state,
            confirm=row_url("admin:pledges_evidence_confirm", obj.pk),
            reject=row_url("admin:pledges_evidence_reject", obj.pk),
        )

    # --- saving --------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if not change:
            # An editor tagging an article by hand: it is confirmed by that act.
            evidence = review.attach_article_manually(
                article=obj.article, pledge=obj.pledge, reviewer=request.user, snippet=obj.snippet
            )
            obj.pk = evidence.pk
            return
        review.edit_evidence_note(
            evidence=obj, snippet=obj.snippet, reject_reason=obj.reject_reason, editor=request.user
        )

    def log_addition(self, request, obj, message):
        return None  # review.attach_article_manually wrote the trail, with before and after

    def log_change(self, request, obj, message):
        return None  # review.edit_evidence_note wrote the trail, with before and after

    @admin.action(description=_("Suggest budget figures from the amounts found"))
    def suggest_budget_figures(self, request, queryset):
        created = 0
        for evidence in queryset.select_related("article"):
            created += len(review.suggest_budget_figures(evidence=evidence))
        self.message_user(
            request,
            ngettext(
                "%d budget figure suggested; confirm it under Budget figures.",
                "%d budget figures suggested; confirm them under Budget figures.",
                created,
            )
            % created,
        )


@admin.register(SimilarityKey)
class SimilarityKeyAdmin(admin.ModelAdmin):
    """Read-only: the wire-copy index is written by ingestion, shown here for inspection."""

    list_display = ["key", "article"]
    search_fields = ["key"]
    list_select_related = ["article"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RematchRun)
class RematchRunAdmin(admin.ModelAdmin):
    """Re-matches after a change of terms, with their progress; written only by the workers."""

    list_display = [
        "pledge",
        "state",
        "progress",
        "articles_scanned",
        "articles_matched",
        "suggestions",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state"]
    list_select_related = ["pledge"]

    @admin.display(description=_("progress"))
    def progress(self, obj) -> str:
        return f"{obj.percent_done}% ({obj.batches_done}/{obj.batches_total})"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Bookkeeping the workers write; editors may look, not edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RematchBatch)
class RematchBatchAdmin(_ReadOnlyAdmin):
    list_display = ["run", "first_pk", "last_pk", "done_at"]
    list_select_related = ["run__pledge"]


@admin.register(PledgeBookVersion)
class PledgeBookVersionAdmin(_ReadOnlyAdmin):
    """How many times the pledge book changed (workers recompile it after each change)."""

    list_display = ["version", "changed_at"]
