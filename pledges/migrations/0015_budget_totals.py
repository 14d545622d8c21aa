"""Each pledge's confirmed money summary, stored (the front page, the list's budget order and the
shortfall filter summed every confirmed figure on each render): added, then filled by the same
rule the pledge page uses (``budget_totals.recount_all_budget_totals``, which applies
``BudgetSummary.from_figures``) in batches of 1,000 pledges by primary key; then the partial
index the list's budget order reads a page from."""

from django.db import migrations, models
from django.db.models.functions import Coalesce

import pledges.models.fields


def count_budget_totals(apps, schema_editor):
    from pledges.budget_totals import recount_all_budget_totals

    recount_all_budget_totals(
        apps.get_model("pledges", "Pledge"), apps.get_model("pledges", "BudgetFigure")
    )


def stored_total(label: str):
    return pledges.models.fields.WonSumField(
        decimal_places=0, editable=False, max_digits=30, null=True, verbose_name=label
    )


def stored_lower_bound(label: str):
    return models.BooleanField(db_default=False, default=False, editable=False, verbose_name=label)


class Migration(migrations.Migration):
    dependencies = [
        ("pledges", "0014_figure_made_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="pledge",
            name="confirmed_planned_krw",
            field=stored_total("confirmed planned cost (KRW)"),
        ),
        migrations.AddField(
            model_name="pledge",
            name="confirmed_secured_krw",
            field=stored_total("confirmed secured money (KRW)"),
        ),
        migrations.AddField(
            model_name="pledge",
            name="confirmed_executed_krw",
            field=stored_total("confirmed spent money (KRW)"),
        ),
        migrations.AddField(
            model_name="pledge",
            name="confirmed_planned_is_lower_bound",
            field=stored_lower_bound("planned cost is a lower bound"),
        ),
        migrations.AddField(
            model_name="pledge",
            name="confirmed_secured_is_lower_bound",
            field=stored_lower_bound("secured money is a lower bound"),
        ),
        migrations.AddField(
            model_name="pledge",
            name="confirmed_executed_is_lower_bound",
            field=stored_lower_bound("spent money is a lower bound"),
        ),
        migrations.RunPython(count_budget_totals, migrations.RunPython.noop, elidable=True),
        # Built once, after the totals are written.
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(
                models.OrderBy(
                    Coalesce(
                        "confirmed_planned_krw",
                        models.Value(0, output_field=pledges.models.fields.WonSumField()),
                    ),
                    descending=True,
                ),
                models.F("code"),
                condition=models.Q(("is_published", True)),
                name="pledge_public_budget",
            ),
        ),
    ]
