"""/export/: the page for reporters (Korean at the root, English at /en/export/) and the files.

Inside i18n_patterns so the page has both languages and the language switch; a file's bytes never
depend on the language (Korean headers are `?headers=ko`), and pages link the root address
(`pledges.exports.page.file_url`), so /export/<table>.<format> stays the one address of a file.
"""

from django.urls import path

from pledges.exports import views

app_name = "export"

urlpatterns = [
    path("", views.export_index, name="index"),
    path("catalogue.json", views.export_catalogue, name="catalogue"),
    path("<slug:table>.schema.json", views.export_schema, name="schema"),
    path("<slug:table>.<slug:fmt>", views.export_table, name="table"),
]
