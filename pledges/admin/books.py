"""Importing a pledge book in the editors' desk: upload, preview, confirm. Thin: reading,
checking and writing are ``pledges.books``; this page only shows the plan and passes the
editor's choices on.

The preview writes nothing. The confirm form posts the same file back (so no upload is kept on
the server between the two steps) with the plan's fingerprint; the file is planned again and,
if the tracker changed meanwhile, the new preview is shown instead of applying a stale one.
"""

from __future__ import annotations

import base64
import binascii

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pledges.books.apply import ALL, import_book
from pledges.books.parse import MAX_BYTES
from pledges.books.plan import BookPlan, plan_book
from pledges.models import Jurisdiction, Promiser


class BookUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Pledge book file"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or CP949, as Excel saves it), JSON or YAML, with the columns the README "
            "lists. Nothing is written before you confirm the preview."
        ),
    )
    promiser = forms.ModelChoiceField(
        Promiser.objects.all(),
        required=False,
        label=gettext_lazy("Promiser"),
        help_text=gettext_lazy("For rows that name none."),
    )
    jurisdiction = forms.ModelChoiceField(
        Jurisdiction.objects.all(),
        required=False,
        label=gettext_lazy("Jurisdiction"),
        help_text=gettext_lazy("For rows that name none."),
    )


def can_import(user) -> bool:
    return user.has_perm("pledges.add_pledge") and user.has_perm("pledges.change_pledge")


def import_book_view(model_admin, request):
    """GET: the upload form. POST with a file: the preview. POST "confirm": the import."""
    if not can_import(request.user):
        raise PermissionDenied
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(model_admin, request)
    form = BookUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(MAX_BYTES + 1)  # one byte more tells "too big" from "just fits"
        promiser, jurisdiction = form.cleaned_data["promiser"], form.cleaned_data["jurisdiction"]
        plan = plan_book(data, upload.name, promiser=promiser, jurisdiction=jurisdiction)
        return _preview(
            model_admin,
            request,
            plan,
            data=data,
            filename=upload.name,
            promiser=promiser,
            jurisdiction=jurisdiction,
            form=form,
        )
    return _render(model_admin, request, {"form": form})


def _confirm(model_admin, request):
    post = request.POST
    try:
        data = base64.b64decode(post.get("book", ""), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    filename = post.get("filename", "")[:200]
    promiser = Promiser.objects.filter(pk=_int(post.get("promiser"))).first()
    jurisdiction = Jurisdiction.objects.filter(pk=_int(post.get("jurisdiction"))).first()
    plan = plan_book(data, filename, promiser=promiser, jurisdiction=jurisdiction)
    stale = plan.fingerprint() != post.get("fingerprint")
    if stale or not plan.is_valid:
        if stale:
            messages.warning(
                request,
                _(
                    "The pledges changed since the preview: check the new preview and confirm again."
                ),
            )
        return _preview(
            model_admin,
            request,
            plan,
            data=data,
            filename=filename,
            promiser=promiser,
            jurisdiction=jurisdiction,
            form=BookUploadForm(),
        )
    accepted = ALL if post.get("accept_all_terms") else set(post.getlist("accept_terms"))
    try:
        result = import_book(plan=plan, editor=request.user, accept_terms=accepted)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:pledges_pledge_import"))
    messages.success(
        request, _("Pledge book imported: %(summary)s.") % {"summary": result.summary()}
    )
    return HttpResponseRedirect(reverse("admin:pledges_pledge_changelist"))


def _preview(model_admin, request, plan: BookPlan, *, data, filename, promiser, jurisdiction, form):
    context = {
        "plan": plan,
        "form": form,
        "book": base64.b64encode(data).decode("ascii") if plan.is_valid else "",
        "filename": filename,
        "promiser": promiser,
        "jurisdiction": jurisdiction,
        "fingerprint": plan.fingerprint(),
        "any_proposed": any(r.has_proposed_terms for r in plan.rows),
    }
    return _render(model_admin, request, context)


def _render(model_admin, request, extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Import a pledge book"),
        "opts": model_admin.model._meta,
        **extra,
    }
    return TemplateResponse(request, "admin/pledges/pledge/import_book.html", context)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
