"""Access events lose their single-column `patient_id` index: the `(patient_id, at)` index
serves every lookup by patient, and each of a list read's 50 rows paid for one more index.

Only the index is dropped (`DROP INDEX`, on both databases). Django's own `AlterField` would
rebuild the whole audit table on SQLite to do this."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

INDEX = "journal_accessevent_patient_id_c8df31fb"


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0016_triage_standing"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="accessevent",
                    name="patient",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "journal_accessevent" ("patient_id")',
                ),
            ],
        ),
    ]
