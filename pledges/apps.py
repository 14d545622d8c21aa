from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pledges"
    verbose_name = _("Pledges")

    def ready(self) -> None:
        # Register the Celery tasks in every process (web too), so the pipeline can address
        # them by name; tasks.py is an entry point, imported here and nowhere below it.
        # And the receivers by which editors' writes move the version of the cached pages.
        from pledges import publishing, tasks  # noqa: F401
