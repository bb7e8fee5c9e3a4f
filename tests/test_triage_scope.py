"""The triage list judges share windows in Python (`permissions.active_share_values`): it must
pick exactly the shares the SQL scope (`permissions.active_shares_for`) picks, on each patient's
own calendar date, and render what it picked safely."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from journal import permissions, services
from journal.models import Role, ShareCategory
from journal.reads import provider as provider_reads
from tests.conftest import client_for, enroll

# 2026-03-10 10:30 UTC is already 03-11 in Kiritimati (UTC+14) and still 03-09 in Pago Pago
# (UTC-11): one instant, three calendar dates.
NOW = datetime(2026, 3, 10, 10, 30, tzinfo=UTC)
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London")


def _share(provider, zone: str, n: int, starts_on: date | None, expires_on: date | None):
    patient = enroll(f"p{n}@clinic.test", Role.PATIENT, f"Patient {n}", time_zone=zone)
    return services.grant_share(
        patient=patient,
        provider=provider,
        categories=[ShareCategory.MOOD],
        starts_on=starts_on,
        expires_on=expires_on,
        now=NOW - timedelta(days=30),
    )


@pytest.mark.django_db
def test_python_window_picks_the_same_shares_as_sql_on_each_patients_date(provider) -> None:
    windows = []
    for day in (date(2026, 3, 9), date(2026, 3, 10), date(2026, 3, 11)):
        windows += [(day, None), (None, day), (day, day)]
    windows += [(None, None), (date(2026, 3, 12), None), (None, date(2026, 3, 8))]
    n = 0
    for zone in ZONES:
        for starts_on, expires_on in windows:
            n += 1
            _share(provider, zone, n, starts_on, expires_on)
    revoked = _share(provider, "Europe/London", n + 1, None, None)
    services.revoke_share(share=revoked, patient=revoked.patient)

    for now in (NOW, NOW + timedelta(hours=13), NOW - timedelta(hours=11)):
        sql = set(permissions.active_shares_for(provider, now).values_list("pk", flat=True))
        python = {pk for (pk,) in permissions.active_share_values(provider, ("pk",), now)}
        assert python == sql
        # Neither everything nor nothing: the boundaries really are exercised.
        assert 0 < len(sql) < n


@pytest.mark.django_db
def test_a_share_that_starts_tomorrow_in_the_patients_zone_is_not_listed_yet(provider) -> None:
    # 03-11 in Kiritimati, 03-09 in Pago Pago at NOW.
    early = _share(provider, "Pacific/Kiritimati", 1, date(2026, 3, 11), None)
    late = _share(provider, "Pacific/Pago_Pago", 2, date(2026, 3, 10), None)
    listed = {row.share.pk for row in provider_reads.triage(provider, now=NOW)}
    assert listed == {early.pk}
    assert late.pk not in listed


@pytest.mark.django_db
def test_non_providers_get_no_shares(patient, clinic_admin) -> None:
    assert permissions.active_share_values(patient, ("pk",)) == []
    assert permissions.active_share_values(clinic_admin, ("pk",)) == []


@pytest.mark.django_db
def test_triage_rows_escape_names_and_order_names_case_insensitively(provider) -> None:
    for n, name in enumerate(["Zed <b>& co</b>", "anna", "Bert"]):
        patient = enroll(f"n{n}@clinic.test", Role.PATIENT, name)
        services.grant_share(patient=patient, provider=provider, categories=[ShareCategory.MOOD])
    body = client_for(provider).get(reverse("journal:provider-home")).content.decode()
    assert "Zed &lt;b&gt;&amp; co&lt;/b&gt;" in body
    assert "<b>&" not in body
    assert body.index(">anna<") < body.index(">Bert<") < body.index(">Zed &lt;b&gt;")
