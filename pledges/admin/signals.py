"""Status signals in the editors' desk: the events the matcher found in articles about a pledge,
each with its sentence; accept (one step: status change and milestone) or reject. Thin: every
write goes through review.py."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges import review
from pledges.models import SignalState, SignalSuggestion


@admin.register(SignalSuggestion)
class SignalSuggestionAdmin(admin.ModelAdmin):
    list_display = [
        "sentence",
        "pledge",
        "kind",
        "date",
        "happened",
        "suggested_status",
        "milestone_kind",
        "state",
        "article_link",
    ]
    list_display_links = ["sentence"]
    list_filter = ["state", "kind", "pledge"]
    search_fields = ["sentence", "pledge__title", "evidence__article__title"]
    list_select_related = ["pledge", "evidence__article"]
    actions = ["accept_selected", "reject_selected"]
    readonly_fields = [
        "pledge",
        "evidence",
        "kind",
        "sentence",
        "trigger",
        "date",
        "date_text",
        "happened",
        "negated",
        "suggested_status",
        "milestone_kind",
        "broken_reason",
        "state",
        "reviewer",
        "reviewed_at",
        "reject_reason",
        "status_change",
        "milestone",
    ]
    fields = readonly_fields

    def changelist_view(self, request, extra_context=None):
        # The list opens as the queue: signals waiting for a decision.
        if request.method == "GET" and not request.GET:
            return HttpResponseRedirect(f"{request.path}?state__exact={SignalState.SUGGESTED}")
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request) -> bool:
        return False  # found by the matcher; an editor records events as status changes

    @admin.display(description=_("article"))
    def article_link(self, obj) -> str:
        return obj.evidence.article.title

    @admin.action(description=_("Accept selected signals (status change and milestone)"))
    def accept_selected(self, request, queryset):
        done = 0
        for signal in queryset.filter(state=SignalState.SUGGESTED).order_by("date", "pk"):
            try:
                review.accept_signal(signal=signal, reviewer=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{signal}: {error.messages[0]}", messages.ERROR)
        self.message_user(
            request, ngettext("%d signal accepted.", "%d signals accepted.", done) % done
        )

    @admin.action(description=_("Reject selected signals"))
    def reject_selected(self, request, queryset):
        done = 0
        for signal in queryset.filter(state=SignalState.SUGGESTED):
            review.reject_signal(signal=signal, reviewer=request.user)
            done += 1
        self.message_user(
            request, ngettext("%d signal rejected.", "%d signals rejected.", done) % done
        )
