"""/export/: the page for reporters (Korean at the root, English at /en/export/) and the files.

Inside i18n_patterns so the page has both languages and the language switch; a file's bytes never
depend on the language (Korean headers are `?headers=ko`), and pages link the root address
(`pledges.exports.page.file_url`), so /export/<table>.<format> stays the one address of a file.
"""

from django.urls import path

from pledges.exports import views
from pledges.site.cache import public_download

app_name = "export"

urlpatterns = [
    path("", views.export_index, name="index"),
    path("catalogue.json", views.export_catalogue, name="catalogue"),
    path("<slug:table>.schema.json", views.export_schema, name="schema"),
    # A file of the public data is the same for everyone: kept until the next publication when
    # small (pledges/site/cache.py, EXPORT_CACHE_MAX_BYTES); an editor's variant never is.
    path(
        "<slug:table>.<slug:fmt>",
        public_download(views.export_table, private=views.asks_for_editors_data),
        name="table",
    ),
]
