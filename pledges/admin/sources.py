"""Incoming sources in the editors' desk: feeds and sitemaps, their failed URLs (filter, count,
retry), submitting an article URL and polling feeds now. All go through the ingestion pipeline;
the admin index warns about sources that fail often."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges.ingest import pipeline, sitemaps
from pledges.ingest.errors import IngestError
from pledges.ingest.http import canonicalize_url
from pledges.ingest.sources import inspect_feed_url
from pledges.models import IngestFailure, Source

# The index lists the sources failing often above the apps (templates/admin/pledges/index.html).
admin.site.index_template = "admin/pledges/index.html"


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


class SourceForm(forms.ModelForm):
    """A feed URL may be RSS, Atom, a sitemap or a sitemap index: it is fetched once on save
    and told apart by content, so a mistyped or unreadable URL is refused here, not on the
    first poll."""

    class Meta:
        model = Source
        fields = [
            "name",
            "name_en",
            "kind",
            "homepage",
            "feed_url",
            "is_active",
            "poll_interval_minutes",
            "max_concurrent_fetches",
            "min_fetch_interval_seconds",
        ]

    def clean_feed_url(self) -> str | None:
        url = self.cleaned_data.get("feed_url") or None
        if not url or (self.instance.pk and url == self.instance.feed_url):
            return url
        try:
            self.detected_format = inspect_feed_url(url)
        except IngestError as error:
            raise forms.ValidationError(
                _("Could not read this URL as an RSS or Atom feed or a sitemap: %(error)s"),
                params={"error": error},
            ) from error
        return url

    def save(self, commit: bool = True) -> Source:
        detected = getattr(self, "detected_format", "")
        if detected:
            self.instance.feed_format = detected
            is_sitemap = detected in (sitemaps.SITEMAP, sitemaps.SITEMAP_INDEX)
            self.instance.kind = Source.Kind.SITEMAP if is_sitemap else Source.Kind.FEED
            self.instance.etag = self.instance.last_modified = ""
        return super().save(commit)


@admin.register(IngestFailure)
class IngestFailureAdmin(admin.ModelAdmin):
    """Failed URLs: filter and count by kind, source and status; retry the selected ones."""

    list_display = [
        "url",
        "source",
        "kind",
        "http_status",
        "attempts",
        "last_failed_at",
        "short_message",
    ]
    list_filter = ["kind", "source", "is_feed", "http_status"]
    show_facets = admin.ShowFacets.ALWAYS  # the counts beside each filter value
    search_fields = ["url", "last_message"]
    date_hierarchy = "last_failed_at"
    list_select_related = ["source"]
    actions = ["retry_selected"]
    readonly_fields = [
        "url",
        "source",
        "is_feed",
        "kind",
        "http_status",
        "attempts",
        "last_message",
        "first_failed_at",
        "last_failed_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # rows are written by ingestion only

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("last message"))
    def short_message(self, failure: IngestFailure) -> str:
        return Truncator(failure.last_message).chars(120)

    @admin.action(description=_("Retry selected URLs"), permissions=["view"])
    def retry_selected(self, request, queryset):
        run = pipeline.IngestRun(mode=pipeline.default_mode())
        retried, skipped = pipeline.retry_failures(queryset.values_list("pk", flat=True), run)
        if run.queues:
            message = (
                ngettext(
                    "%d URL queued to be tried again.", "%d URLs queued to be tried again.", retried
                )
                % retried
            )
        else:
            message = _("Tried %(retried)d again: %(line)s.") % {
                "retried": retried,
                "line": run.line(),
            }
        self.message_user(request, message)
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d bad import row skipped: fix the file and import it again.",
                    "%d bad import rows skipped: fix the file and import them again.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )


@admin.register(Source)
class SourceAdmin(SubmitArticleURLMixin, admin.ModelAdmin):
    form = SourceForm
    list_display = [
        "name",
        "kind",
        "feed_format",
        "is_active",
        "last_success_at",
        "consecutive_failures",
        "failing_urls",
        "next_poll_at",
        "last_error_at",
    ]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "feed_url", "homepage"]
    readonly_fields = [
        "feed_format",
        "failing_urls",
        "etag",
        "last_modified",
        "last_success_at",
        "last_error",
        "last_error_at",
        "consecutive_failures",
        "next_poll_at",
    ]
