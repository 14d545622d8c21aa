"""The pledge book in the editors' desk: promisers, regions, categories, pledges, their status
history, revisions, milestones and budget figures. Thin: every write goes through review.py."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import review
from pledges.models import (
    BudgetFigure,
    Category,
    Evidence,
    FigureState,
    Jurisdiction,
    Milestone,
    Pledge,
    PledgeRevision,
    Promiser,
    ReviewState,
    StatusChange,
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Promiser)
class PromiserAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "kind", "name_en"]
    search_fields = ["name", "name_en", "role"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["kind", "title", "title_en", "planned_date", "actual_date", "note"]


class BudgetFigureInline(admin.TabularInline):
    model = BudgetFigure
    extra = 0
    fields = ["stage", "funder", "amount_krw", "fiscal_year", "as_of", "state", "note"]
    readonly_fields = ["state"]
    show_change_link = True


class StatusChangeInline(admin.TabularInline):
    """History is shown, never edited here: new ratings go through 'Add status change'."""

    model = StatusChange
    extra = 0
    can_delete = False
    fields = [
        "effective_date",
        "from_status",
        "to_status",
        "rationale",
        "is_correction",
        "recorded_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RevisionInline(admin.TabularInline):
    model = PledgeRevision
    extra = 0
    can_delete = False
    fields = ["decided_on", "kind", "decided_by", "old_text", "new_text", "reason", "source"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "status",
        "status_since",
        "promiser",
        "jurisdiction",
        "suggested_count",
        "last_checked_on",
    ]
    list_filter = ["status", "promiser", "jurisdiction", "category", "pledge_type", "is_published"]
    search_fields = ["code", "slug", "title", "title_en", "summary"]
    readonly_fields = ["status", "status_since", "created_at", "updated_at"]
    prepopulated_fields = {"slug": ["title_en"]}
    inlines = [StatusChangeInline, MilestoneInline, BudgetFigureInline, RevisionInline]
    fieldsets = [
        (None, {"fields": ["code", "slug", "title", "title_en", "summary", "summary_en"]}),
        (
            _("Where it was made"),
            {
                "fields": [
                    "original_text",
                    "source_document",
                    "source_page",
                    "source_url",
                    "made_on",
                ]
            },
        ),
        (
            _("Who, where, what"),
            {
                "fields": [
                    "promiser",
                    "jurisdiction",
                    "parent",
                    "category",
                    "responsible_agency",
                    "national_agenda_refs",
                    "pledge_type",
                    "done_criteria",
                    "feasibility_study",
                    "target_date",
                ]
            },
        ),
        (_("Status"), {"fields": ["status", "status_since", "last_checked_on", "is_published"]}),
        (
            _("Matcher"),
            {"fields": ["match_keywords", "match_aliases", "match_exclusions", "match_config"]},
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("original_text")  # never overwritten: changes are revisions
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_suggested=Count("evidence", filter=Q(evidence__state=ReviewState.SUGGESTED)))
        )

    @admin.display(description=_("to review"), ordering="_suggested")
    def suggested_count(self, obj) -> int:
        return obj._suggested

    def save_model(self, request, obj, form, change):
        if review.save_pledge(pledge=obj, changed_fields=form.changed_data, editor=request.user):
            self.message_user(
                request, _("Matcher terms changed: recent articles are matched again.")
            )

    def save_formset(self, request, form, formset, change):
        """Milestones and budget figures are written by the editor actions, not by the form."""
        save = {
            Milestone: lambda obj: review.save_milestone(milestone=obj, editor=request.user),
            BudgetFigure: lambda obj: review.save_budget_figure(figure=obj, editor=request.user),
        }.get(formset.model)
        if save is None:  # read-only inlines (status history, revisions) write nothing
            return
        for obj in formset.save(commit=False):
            save(obj)
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(PledgeRevision)
class PledgeRevisionAdmin(admin.ModelAdmin):
    list_display = ["pledge", "kind", "decided_on", "decided_by"]
    list_filter = ["kind"]
    fields = ["pledge", "kind", "new_text", "decided_by", "decided_on", "reason", "source"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        review.revise_pledge(
            pledge=obj.pledge,
            kind=obj.kind,
            new_text=obj.new_text,
            decided_by=obj.decided_by,
            decided_on=obj.decided_on,
            reason=obj.reason,
            source=obj.source,
            recorded_by=request.user,
        )


@admin.register(StatusChange)
class StatusChangeAdmin(admin.ModelAdmin):
    """Append-only: editors add changes (with confirmed evidence); nobody edits or deletes one."""

    list_display = [
        "pledge",
        "from_status",
        "to_status",
        "effective_date",
        "recorded_by",
        "is_correction",
    ]
    list_filter = ["to_status", "is_correction", "broken_reason"]
    search_fields = ["pledge__title", "rationale"]
    fields = [
        "pledge",
        "to_status",
        "effective_date",
        "rationale",
        "rationale_en",
        "evidence",
        "broken_reason",
        "is_correction",
        "correction_note",
    ]
    autocomplete_fields = ["evidence"]

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "evidence" in form.base_fields:
            form.base_fields["evidence"].queryset = Evidence.objects.filter(
                state=ReviewState.CONFIRMED
            ).select_related("article", "pledge")
        return form

    def save_model(self, request, obj, form, change):
        # The M2M is set by the service; save_related must not clear it afterwards.
        obj_saved = review.record_status_change(
            pledge=obj.pledge,
            to_status=obj.to_status,
            effective_date=obj.effective_date,
            rationale=obj.rationale,
            rationale_en=obj.rationale_en,
            recorded_by=request.user,
            evidence=form.cleaned_data.get("evidence", []),
            broken_reason=obj.broken_reason,
            is_correction=obj.is_correction,
            correction_note=obj.correction_note,
        )
        obj.pk = obj_saved.pk

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "pledge", "kind", "planned_date", "actual_date"]
    list_filter = ["kind"]
    autocomplete_fields = ["pledge", "evidence"]

    def save_model(self, request, obj, form, change):
        review.save_milestone(milestone=obj, editor=request.user)


@admin.register(BudgetFigure)
class BudgetFigureAdmin(admin.ModelAdmin):
    list_display = ["pledge", "stage", "funder", "amount_krw", "fiscal_year", "as_of", "state"]
    list_filter = ["state", "stage", "funder"]
    search_fields = ["pledge__title", "note"]
    readonly_fields = ["state", "confirmed_by", "confirmed_at", "created_at"]
    autocomplete_fields = ["pledge", "evidence"]
    actions = ["confirm_figures"]

    def save_model(self, request, obj, form, change):
        review.save_budget_figure(figure=obj, editor=request.user)

    @admin.action(description=_("Confirm selected budget figures"))
    def confirm_figures(self, request, queryset):
        confirmed = 0
        for figure in queryset.filter(state=FigureState.SUGGESTED):
            try:
                review.confirm_budget_figure(figure=figure, reviewer=request.user)
                confirmed += 1
            except ValidationError as error:
                self.message_user(request, f"{figure}: {error.messages[0]}", messages.ERROR)
        self.message_user(
            request,
            ngettext("%d figure confirmed.", "%d figures confirmed.", confirmed) % confirmed,
        )
