"""Incoming sources in the editors' desk: feeds, their error logs, submitting an article URL
and polling feeds now. Both only go through the ingestion pipeline."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges.ingest import pipeline
from pledges.ingest.http import canonicalize_url
from pledges.models import Source


class SubmitArticleURLForm(forms.Form):
    url = forms.URLField(label=_("Article URL"), max_length=1000, assume_scheme="https")
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=Source.objects.order_by("name"),
        required=False,
        help_text=_("Optional: the outlet it is filed under; its error log records failures."),
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            canonicalize_url(url)
        except ValueError as error:
            raise forms.ValidationError(_("Only http and https URLs can be fetched.")) from error
        return url


class SubmitArticleURLMixin:
    """Add to SourceAdmin: ``class SourceAdmin(SubmitArticleURLMixin, admin.ModelAdmin)``."""

    change_list_template = "admin/pledges/source/change_list_with_submit.html"
    actions = ["poll_feeds_now"]

    def get_urls(self):
        extra = [
            path(
                "submit-url/",
                self.admin_site.admin_view(self.submit_url_view),
                name="pledges_source_submit_url",
            )
        ]
        return extra + super().get_urls()

    def submit_url_view(self, request):
        if not request.user.has_perm("pledges.add_article"):
            raise PermissionDenied
        form = SubmitArticleURLForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            self._submit(request, form.cleaned_data["url"], form.cleaned_data["source"])
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Submit an article URL"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/pledges/submit_article_url.html", context)

    def _submit(self, request, url: str, source: Source | None) -> None:
        # Queued to the fetch workers; fetched here only where there are none (development).
        run = pipeline.IngestRun(mode=pipeline.default_mode())
        result = pipeline.ingest_url(url, run, source=source)
        if run.queues:
            self.message_user(
                request, _("Queued: %(url)s. It appears in Articles once fetched.") % {"url": url}
            )
            return
        if result is None:
            error = run.errors[-1].removeprefix(f"{url}: ") if run.errors else ""
            self.message_user(
                request,
                _("Could not ingest %(url)s: %(error)s") % {"url": url, "error": error},
                messages.ERROR,
            )
            return
        link = reverse("admin:pledges_article_change", args=[result.article.pk])
        label = _("Stored") if result.created else _("Already stored")
        self.message_user(request, f"{label}: {result.article} ({link})")

    @admin.action(description=_("Poll selected feeds now"))
    def poll_feeds_now(self, request, queryset):
        feeds = queryset.filter(feed_url__isnull=False).exclude(feed_url="")
        count = 0
        for source in feeds:
            pipeline.enqueue(pipeline.TaskName.POLL_SOURCE, source_id=source.pk, force=True)
            count += 1
        self.message_user(
            request,
            ngettext("%d feed queued for polling.", "%d feeds queued for polling.", count) % count,
        )


@admin.register(Source)
class SourceAdmin(SubmitArticleURLMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "is_active",
        "last_success_at",
        "consecutive_failures",
        "next_poll_at",
        "last_error_at",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "feed_url", "homepage"]
    readonly_fields = [
        "etag",
        "last_modified",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_poll_at",
    ]
