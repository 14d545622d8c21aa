"""/export/<table>.<format>: outside i18n_patterns, so one URL per file in every language."""

from django.urls import path

from pledges import export_views

app_name = "export"

urlpatterns = [
    path("", export_views.export_index, name="index"),
    path("<slug:table>.schema.json", export_views.export_schema, name="schema"),
    path("<slug:table>.<slug:fmt>", export_views.export_table, name="table"),
]
