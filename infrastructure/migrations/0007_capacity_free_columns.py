"""Capacity rows keep what is left (total - used) in a column the database
computes and stores, indexed per zone and type with the most free first,
so the planner's shortlist of a zone's hosts is the head of an index."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("infrastructure", "0006_capacity_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="capacity",
            name="free",
            field=models.GeneratedField(db_persist=True, expression=models.F("total") - models.F("used"),
                                        output_field=models.BigIntegerField()),
        ),
        migrations.AddIndex(
            model_name="capacity",
            index=models.Index(fields=["zone", "type", "-free", "host"], name="capacity_most_free_first"),
        ),
    ]
