"""The pledge book in the editors' desk: promisers, regions, categories, pledges, their status
history, revisions, milestones and budget figures. Thin: every write goes through review.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import review
from pledges.admin.books import import_book_view
from pledges.admin.fields import KrwField, LinesField
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
    Status,
    StatusChange,
)
from pledges.templatetags.pledge_format import krw


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


class KrwAmountMixin:
    """Amounts in won as Koreans write them ("957억 원"), not as a long integer."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "amount_krw":
            return KrwField(label=capfirst(db_field.verbose_name), required=not db_field.blank)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class BudgetFigureInline(KrwAmountMixin, admin.TabularInline):
    model = BudgetFigure
    extra = 0
    fields = ["stage", "funder", "amount_krw", "fiscal_year", "as_of", "state", "note"]
    readonly_fields = ["state"]
    show_change_link = True
    can_delete = False  # suggested figures are discarded by an action under Budget figures


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


class AddArticleByURLForm(forms.Form):
    url = forms.URLField(label=_("Article URL"), max_length=1000, assume_scheme="https")
    snippet = forms.CharField(
        label=_("Justifying sentence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The sentence(s) of the article that show it is about this pledge."),
    )


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

    change_form_template = "admin/pledges/pledge/change_form.html"

    # Lists of words, edited one per line rather than as JSON.
    LINE_FIELDS = ("national_agenda_refs", "match_keywords", "match_aliases", "match_exclusions")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.LINE_FIELDS:
            return LinesField(label=capfirst(db_field.verbose_name), help_text=db_field.help_text)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        extra = [
            path(
                "<int:pledge_id>/add-article/",
                self.admin_site.admin_view(self.add_article_view),
                name="pledges_pledge_add_article",
            ),
            path(
                "import/",
                self.admin_site.admin_view(lambda request: import_book_view(self, request)),
                name="pledges_pledge_import",
            ),
        ]
        return extra + super().get_urls()

    def add_article_view(self, request, pledge_id: int):
        """From a pledge, add an article by its URL: ingested (once), then tagged by hand."""
        pledge = get_object_or_404(Pledge, pk=pledge_id)
        if not (
            request.user.has_perm("pledges.add_article")
            and request.user.has_perm("pledges.add_evidence")
        ):
            raise PermissionDenied
        form = AddArticleByURLForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                evidence = review.attach_url_manually(
                    url=form.cleaned_data["url"],
                    pledge=pledge,
                    reviewer=request.user,
                    snippet=form.cleaned_data["snippet"],
                )
            except ValidationError as error:
                form.add_error("url", error.messages[0])
            else:
                self.message_user(
                    request,
                    _("Attached by hand and confirmed: %(article)s")
                    % {"article": evidence.article},
                )
                return HttpResponseRedirect(
                    reverse("admin:pledges_pledge_change", args=[pledge.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add an article by URL to %(pledge)s") % {"pledge": pledge},
            "form": form,
            "opts": self.model._meta,
            "original": pledge,
        }
        return TemplateResponse(request, "admin/pledges/pledge/add_article.html", context)

    def log_addition(self, request, obj, message):
        return None  # review.save_pledge wrote the trail

    def log_change(self, request, obj, message):
        return None  # review.save_pledge wrote the trail, with before and after

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
            # ... and report nothing in the change message the admin builds afterwards.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        for obj in formset.save(commit=False):
            save(obj)
        for obj in formset.deleted_objects:  # only milestones can be deleted here
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


class StatusChangeForm(forms.ModelForm):
    """A rating rests on confirmed evidence about this pledge; "broken" says why; a correction
    says what it corrects. Errors show on the form, before anything is written."""

    class Meta:
        model = StatusChange
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "evidence" in self.fields:
            self.fields["evidence"].required = True
            self.fields["evidence"].help_text = _(
                "Confirmed evidence about this pledge that shows the new status."
            )

    def clean(self):
        data = super().clean()
        pledge, evidence = data.get("pledge"), data.get("evidence") or []
        if pledge is not None:
            foreign = [e for e in evidence if e.pledge_id != pledge.pk]
            if foreign:
                self.add_error(
                    "evidence", _("Evidence for another pledge cannot justify this status.")
                )
        if any(e.state != ReviewState.CONFIRMED for e in evidence):
            self.add_error("evidence", _("Only confirmed evidence can justify a status change."))
        if data.get("to_status") == Status.BROKEN and not data.get("broken_reason"):
            self.add_error("broken_reason", _("Say why the pledge is broken."))
        if data.get("to_status") != Status.BROKEN and data.get("broken_reason"):
            self.add_error("broken_reason", _("A broken reason only goes with the status Broken."))
        if data.get("is_correction") and not (data.get("correction_note") or "").strip():
            self.add_error("correction_note", _("Say what this correction corrects."))
        return data


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
    autocomplete_fields = ["pledge", "evidence"]
    form = StatusChangeForm

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("effective_date", timezone.localdate())
        return initial

    def log_addition(self, request, obj, message):
        return None  # review.record_status_change wrote the trail

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
class BudgetFigureAdmin(KrwAmountMixin, admin.ModelAdmin):
    """Figures found in confirmed articles wait here with their sentence, funder and stage in
    words: confirm in one click, or open one to correct it first."""

    list_display = [
        "pledge",
        "amount_column",
        "funder",
        "stage",
        "fiscal_year",
        "as_of",
        "sentence",
        "decision",
    ]
    list_display_links = None
    list_filter = ["state", "stage", "funder", ("pledge", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["pledge__title", "note", "source_text"]
    readonly_fields = ["state", "confirmed_by", "confirmed_at", "created_at"]
    autocomplete_fields = ["pledge", "evidence"]
    actions = ["confirm_figures", "discard_figures"]
    list_select_related = ["pledge", "evidence__article"]

    class Media:
        css = {"all": ["pledges/admin/desk.css"]}

    def get_urls(self):
        extra = [
            path(
                "<int:figure_id>/confirm/",
                self.admin_site.admin_view(self.confirm_view),
                name="pledges_budgetfigure_confirm",
            )
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}?state__exact={FigureState.SUGGESTED}")
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # suggested figures are discarded by the action, through review.py

    @admin.display(description=_("amount"), ordering="amount_krw")
    def amount_column(self, obj) -> str:
        return format_html(
            '<strong>{}</strong><div class="desk-meta">{}</div>',
            krw(obj.amount_krw),
            obj.source_text,
        )

    @admin.display(description=_("sentence"))
    def sentence(self, obj) -> str:
        article = obj.evidence.article if obj.evidence_id else None
        return format_html(
            '<p class="desk-snippet">{}</p><div class="desk-meta">{}</div>',
            obj.note,
            f"{article.outlet} · {article.title}" if article else "",
        )

    @admin.display(description=_("decision"))
    def decision(self, obj) -> str:
        edit = reverse("admin:pledges_budgetfigure_change", args=[obj.pk])
        if obj.state != FigureState.SUGGESTED:
            return format_html(
                '<span class="desk-done">{}</span> <a href="{}">{}</a>',
                obj.get_state_display(),
                edit,
                _("Edit"),
            )
        return format_html(
            '<div class="desk-decision"><button type="submit" class="button desk-confirm" '
            'formaction="{}" formmethod="post">{}</button><a href="{}">{}</a></div>',
            reverse("admin:pledges_budgetfigure_confirm", args=[obj.pk]),
            _("Confirm"),
            edit,
            _("Edit first"),
        )

    def confirm_view(self, request, figure_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        figure = get_object_or_404(BudgetFigure, pk=figure_id)
        if not self.has_change_permission(request, figure):
            raise PermissionDenied
        try:
            review.confirm_budget_figure(figure=figure, reviewer=request.user)
        except ValidationError as error:
            self.message_user(request, f"{figure}: {error.messages[0]}", messages.ERROR)
        else:
            self.message_user(
                request,
                _("Confirmed: %(amount)s (%(funder)s · %(stage)s)")
                % {
                    "amount": krw(figure.amount_krw),
                    "funder": figure.get_funder_display(),
                    "stage": figure.get_stage_display(),
                },
            )
        return HttpResponseRedirect(
            request.headers.get("Referer")
            if url_has_allowed_host_and_scheme(
                request.headers.get("Referer", ""), allowed_hosts={request.get_host()}
            )
            else reverse("admin:pledges_budgetfigure_changelist")
        )

    def save_model(self, request, obj, form, change):
        review.save_budget_figure(figure=obj, editor=request.user)

    def log_addition(self, request, obj, message):
        return None  # review.save_budget_figure wrote the trail

    def log_change(self, request, obj, message):
        return None  # review.save_budget_figure wrote the trail, with before and after

    @admin.action(description=_("Confirm selected budget figures"), permissions=["change"])
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

    @admin.action(description=_("Discard selected suggested figures"), permissions=["change"])
    def discard_figures(self, request, queryset):
        discarded = 0
        for figure in queryset:
            try:
                review.discard_budget_figure(figure=figure, editor=request.user)
                discarded += 1
            except ValidationError as error:
                self.message_user(request, f"{figure}: {error.messages[0]}", messages.WARNING)
        self.message_user(
            request,
            ngettext("%d figure discarded.", "%d figures discarded.", discarded) % discarded,
        )
