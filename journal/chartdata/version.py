"""A cheap fingerprint of everything a patient's charts can show, for cache keys.

Hashing the chart data itself (as `chart_cache_key` does) means loading a year of rows before
the cache can answer. The fingerprint is one aggregate query instead: per table that feeds a
chart, the patient's row count, newest change time, sum of edit versions and highest id, plus
the clinic settings' change time (blood-pressure thresholds). Why that is enough:

- a new entry raises the count (and its `updated_at` is the newest);
- an edit goes through `services.entries.bump` (version + 1, new `updated_at`), and
  symptom ratings are only ever edited through their report or check-in, which is marked too;
- a deletion lowers the count (cascaded ratings and flags go with their parent);
- a delete plus an insert leaves the count alone but brings a newer `updated_at`;
- a marked baseline (outcome lines) is counted with its time and questionnaire;
- a flag's acknowledgement and withdrawal are counted with their newest times (pages that
  list flags are cached under this version too: the provider summary, the exports);
- flags (which readings the blood-pressure chart marks) are created and removed by the
  re-flagging pass of the entry that changed, or of every entry when thresholds change
  (`ClinicSettings.updated_at`, `auto_now`).

The key also carries the patient's time zone (local days move with it) and the period's
dates, so a new day or a new zone is a new key even with unchanged rows.

Callers read the version *before* the data: a write racing with a request can only leave
newer data under an older version's key, which nobody asks for again.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from types import ModuleType

from django.db import connection

from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    Flag,
    MarkedBaseline,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
    User,
)

_PATIENT_TABLES = (
    TreatmentSession,
    PostSessionReport,
    CheckIn,
    BloodPressureReading,
    QuestionnaireResponse,
)


def _sql() -> str:
    # Identifiers come from model metadata (quoted); the patient id is a bound parameter.
    q = connection.ops.quote_name
    # The first column numbers the part: UNION ALL does not promise an order.
    parts = [
        f"SELECT {i}, COUNT(*), MAX({q('updated_at')}), SUM({q('version')}), MAX({q('id')}) "  # noqa: S608
        f"FROM {q(model._meta.db_table)} WHERE {q('patient_id')} = %s"
        for i, model in enumerate(_PATIENT_TABLES)
    ]
    parts.append(
        f"SELECT 8, COUNT(*), MAX({q('created_at')}), SUM({q('severity')}), MAX({q('id')}) "  # noqa: S608
        f"FROM {q(Flag._meta.db_table)} WHERE {q('patient_id')} = %s"
    )
    parts.append(
        f"SELECT 9, COUNT(*), MAX({q('updated_at')}), 0, MAX({q('id')}) "  # noqa: S608
        f"FROM {q(ClinicSettings._meta.db_table)}"
    )
    # A flag acknowledged, withdrawn (its entry edited or deleted) or reopened changes what
    # pages listing flags show, though no entry row changed. Acknowledgements only ever add
    # (the first one stands); a withdrawal moves the newest time, a reopening lowers the count.
    parts.append(
        f"SELECT 11, COUNT({q('acknowledged_at')}), MAX({q('acknowledged_at')}), 0, 0 "  # noqa: S608
        f"FROM {q(Flag._meta.db_table)} WHERE {q('patient_id')} = %s"
    )
    parts.append(
        f"SELECT 12, COUNT({q('withdrawn_at')}), MAX({q('withdrawn_at')}), 0, 0 "  # noqa: S608
        f"FROM {q(Flag._meta.db_table)} WHERE {q('patient_id')} = %s"
    )
    # A provider marking another baseline changes the outcome lines (not a chart's rows).
    parts.append(
        f"SELECT 10, COUNT(*), MAX({q('marked_at')}), SUM({q('questionnaire_id')}), "  # noqa: S608
        f"MAX({q('id')}) FROM {q(MarkedBaseline._meta.db_table)} WHERE {q('patient_id')} = %s"
    )
    return " UNION ALL ".join(parts)


def data_version(patient: User) -> str:
    """A short digest that changes whenever any row a chart of `patient` reads changes
    (one query; see the module docstring for why it is complete)."""
    sql = _sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [patient.pk] * sql.count("%s"))
        rows = sorted(cursor.fetchall())
    text = f"{patient.pk}|{patient.time_zone}|{rows!r}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@cache
def code_digest(*modules: ModuleType) -> str:
    """A digest of the modules' source, for cache keys: a deploy that changes the code that
    builds a cached value never reads values the previous code cached (once per process)."""
    digest = hashlib.sha256()
    for module in modules:
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:12]
