from django.core.management.base import BaseCommand

from pledges.demo_data import load_gwangju_demo


class Command(BaseCommand):
    help = "Load the Gwangju 2025 demo pledges, ratings, budgets and seed article (idempotent)."

    def handle(self, *args, **options):
        result = load_gwangju_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {result.pledges} pledges, {result.budget_figures} budget figures, "
                f"{result.status_changes_added} new status changes, seed article #{result.article.pk}."
            )
        )
