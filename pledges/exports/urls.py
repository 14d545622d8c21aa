"""/export/<table>.<format>: outside i18n_patterns, so one URL per file in every language."""

from django.urls import path

from pledges.exports import views

app_name = "export"

urlpatterns = [
    path("", views.export_index, name="index"),
    path("<slug:table>.schema.json", views.export_schema, name="schema"),
    path("<slug:table>.<slug:fmt>", views.export_table, name="table"),
]
