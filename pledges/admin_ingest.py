"""Editors submit a single article URL, or poll feeds now, from the Sources admin.

A mixin for ``SourceAdmin`` (admin.py): an extra admin page "Submit an article URL" (linked from
the sources list) and an action "Poll selected feeds now". Both only queue Celery tasks; without
Redis (development) the tasks run at once and the page reports what was stored.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges.models import Article, Source


class SubmitArticleURLForm(forms.Form):
    url = forms.URLField(label=_("Article URL"), max_length=1000, assume_scheme="https")
    source = forms.ModelChoiceField(
        label=_("Source"),
        queryset=Source.objects.order_by("name"),
        required=False,
        help_text=_("Optional: the outlet it is filed under; its error log records failures."),
    )

    def clean_url(self) -> str:
        from pledges.ingest import canonicalize_url

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
        from pledges.tasks import ingest_url

        try:
            result = ingest_url.delay(url, source_id=source.pk if source else None)
        except Exception as error:  # eager mode (no Redis): the fetch ran here and failed
            self.message_user(
                request,
                _("Could not ingest %(url)s: %(error)s") % {"url": url, "error": error},
                messages.ERROR,
            )
            return
        if not result.ready():
            self.message_user(
                request, _("Queued: %(url)s. It appears in Articles once fetched.") % {"url": url}
            )
            return
        outcome = result.get(propagate=False) or {}
        if outcome.get("status") == "failed":
            self.message_user(
                request,
                _("Could not ingest %(url)s: %(error)s")
                % {"url": url, "error": outcome.get("error")},
                messages.ERROR,
            )
            return
        article = Article.objects.filter(pk=outcome.get("article_id")).first()
        if article is None:
            self.message_user(
                request, _("Could not ingest %(url)s.") % {"url": url}, messages.ERROR
            )
            return
        link = reverse("admin:pledges_article_change", args=[article.pk])
        label = _("Stored") if outcome.get("status") in {"new", "copy"} else _("Already stored")
        self.message_user(request, f"{label}: {article} ({link})")

    @admin.action(description=_("Poll selected feeds now"))
    def poll_feeds_now(self, request, queryset):
        from pledges.tasks import fetch_feed

        feeds = queryset.filter(feed_url__isnull=False).exclude(feed_url="")
        count = 0
        for source in feeds:
            fetch_feed.delay(source.pk, force=True)
            count += 1
        self.message_user(
            request,
            ngettext("%d feed queued for polling.", "%d feeds queued for polling.", count) % count,
        )
