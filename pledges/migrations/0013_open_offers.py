"""The stored count of open budget amounts per evidence (issue 14): added, filled by the same
rule the desk uses (``budget_offers.open_offer_count``) in batches of 1,000 by primary key,
then indexed (the partial index is built once, after the counts are written)."""

from django.db import migrations, models


def count_open_offers(apps, schema_editor):
    from pledges.budget_offers import recount_all_open_offers

    recount_all_open_offers(
        apps.get_model("pledges", "Evidence"), apps.get_model("pledges", "BudgetFigure")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0012_public_scale"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="open_offer_count",
            field=models.PositiveIntegerField(
                db_default=0, default=0, editable=False, verbose_name="open budget amounts"
            ),
        ),
        migrations.RunPython(count_open_offers, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="evidence",
            index=models.Index(
                condition=models.Q(("open_offer_count__gt", 0)),
                fields=["open_offer_count"],
                name="evidence_open_offers",
            ),
        ),
    ]
