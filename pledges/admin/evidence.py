"""Articles and the review queue of evidence in the editors' desk. Thin: every write goes
through review.py."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import matching, review
from pledges.models import (
    Article,
    Evidence,
    PledgeBookVersion,
    RematchBatch,
    RematchRun,
    ReviewState,
    SimilarityKey,
)


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


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """The review queue: machine suggestions, best first; confirm or reject in bulk."""

    list_display = ["article", "pledge", "state", "score", "method", "short_snippet", "reviewer"]
    list_filter = ["state", "method", "pledge"]
    search_fields = ["article__title", "snippet", "pledge__title"]
    autocomplete_fields = ["article"]
    readonly_fields = ["why_suggested", "reviewer", "reviewed_at", "created_at", "updated_at"]
    fields = [
        "article",
        "pledge",
        "state",
        "why_suggested",
        "snippet",
        "matched_terms",
        "amounts",
        "score",
        "method",
        "reject_reason",
        "reviewer",
        "reviewed_at",
    ]
    actions = ["confirm_selected", "reject_selected", "suggest_budget_figures"]
    ordering = ["-score", "-created_at"]

    def changelist_view(self, request, extra_context=None):
        # The list opens as the review queue: suggestions only, best first.
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}?state__exact={ReviewState.SUGGESTED}")
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("snippet"))
    def short_snippet(self, obj) -> str:
        return (obj.snippet[:120] + "…") if len(obj.snippet) > 120 else obj.snippet

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
            ", ".join(why.terms),
            why.sentence,
            _("Rule score"),
            why.rule_score,
            heading,
            format_html_join("", "<li><code>{}</code> {}</li>", why.weights),
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["article", "pledge", "state", "score", "method", "matched_terms", "amounts"]
        return fields

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

    @admin.action(description=_("Confirm selected evidence"))
    def confirm_selected(self, request, queryset):
        for evidence in queryset:
            review.confirm_evidence(evidence=evidence, reviewer=request.user)
        count = queryset.count()
        self.message_user(request, ngettext("%d confirmed.", "%d confirmed.", count) % count)

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

    @admin.action(description=_("Reject selected evidence"))
    def reject_selected(self, request, queryset):
        for evidence in queryset:
            review.reject_evidence(evidence=evidence, reviewer=request.user, reason="")
        count = queryset.count()
        self.message_user(request, ngettext("%d rejected.", "%d rejected.", count) % count)


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
