"""`permissions.Scope`: what a read may cover. The patient's own scope is everything; a share's
scope is its categories, from local midnight of its start date in the patient's zone, without
private notes; chart data and exports read exactly what the scope they are handed allows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from journal import chartdata, permissions, services
from journal.exports.data import read_export_data
from journal.models import Role, ShareCategory
from journal.permissions import ALL_CATEGORIES, Scope, own_scope, share_scope
from tests.conftest import enroll

pytestmark = pytest.mark.django_db


def test_the_patients_own_scope_covers_every_category_day_and_note(patient) -> None:
    scope = own_scope(patient)
    assert scope.patient == patient
    assert scope.categories == ALL_CATEGORIES == frozenset(ShareCategory.values)
    assert scope.not_before is None and scope.window_start is None
    assert scope.private_notes is True
    assert scope.share_id is None


def test_a_share_scope_is_the_shares_categories_from_its_start_without_private_notes(
    provider,
) -> None:
    far = enroll("kiri@clinic.test", Role.PATIENT, "Kiri", time_zone="Pacific/Kiritimati")
    start = permissions.patient_today(far) - timedelta(days=3)
    share = services.grant_share(
        patient=far,
        provider=provider,
        categories=[ShareCategory.BLOOD_PRESSURE, ShareCategory.NOTES],
        starts_on=start,
    )
    scope = share_scope(share)
    assert scope.patient == far
    assert scope.categories == {"blood_pressure", "notes"}
    assert scope.not_before == start
    assert scope.private_notes is False
    assert scope.share_id == share.pk
    # Local midnight in Kiritimati (UTC+14) is 10:00 UTC the day before.
    assert scope.window_start == datetime.combine(start, time.min, tzinfo=far.zone)
    assert scope.window_start.astimezone(UTC) == datetime.combine(
        start - timedelta(days=1), time(10), tzinfo=UTC
    )


def test_a_share_without_a_start_date_has_no_first_day(patient, provider) -> None:
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    assert share_scope(share).not_before is None
    assert share_scope(share).window_start is None


def test_narrowing_a_scope_never_widens_it(patient, provider) -> None:
    share = services.grant_share(
        patient=patient, provider=provider, categories=["blood_pressure"], starts_on=None
    )
    narrowed = share_scope(share).narrowed({"mood", "blood_pressure"})
    assert narrowed.categories == {"blood_pressure"}
    assert narrowed.share_id == share.pk and narrowed.private_notes is False
    assert own_scope(patient).narrowed({"mood"}).categories == {"mood"}


def test_a_scope_cannot_be_changed_after_it_is_built(patient) -> None:
    scope = own_scope(patient)
    with pytest.raises(dataclasses.FrozenInstanceError):
        scope.categories = frozenset()  # type: ignore[misc]


@pytest.fixture
def before_and_after(patient) -> date:
    """A check-in with a private note and a shareable one before the share's start day, the
    same two from it on; returns the start day."""
    today = permissions.patient_today(patient)
    start = today - timedelta(days=5)
    for day, mood in ((start - timedelta(days=2), 2), (start + timedelta(days=1), 7)):
        at = datetime.combine(day, time(12), tzinfo=patient.zone)
        services.log_checkin(patient=patient, recorded_at=at, mood=mood, note=f"private {mood}")
        services.log_checkin(
            patient=patient,
            recorded_at=at + timedelta(hours=1),
            mood=mood,
            note=f"shared {mood}",
            note_shareable=True,
        )
    return start


def test_an_export_reads_what_its_scope_allows(patient, provider, before_and_after) -> None:
    share = services.grant_share(
        patient=patient, provider=provider, categories=["mood", "notes"], starts_on=before_and_after
    )
    own = read_export_data(own_scope(patient))
    shared = read_export_data(share_scope(share))
    assert sorted(c.note for c in own.checkins) == [
        "private 2",
        "private 7",
        "shared 2",
        "shared 7",
    ]
    # From the start day on only; the private note is blanked, the shareable one kept.
    assert [(c.mood, c.note) for c in shared.checkins] == [(7, ""), (7, "shared 7")]
    assert shared.include_private_notes is False and not shared.has("blood_pressure")


def test_chart_data_reads_what_its_scope_allows(patient, provider, before_and_after) -> None:
    share = services.grant_share(
        patient=patient, provider=provider, categories=["mood"], starts_on=before_and_after
    )
    period = chartdata.parse_period("30", patient.zone)
    own = chartdata.chart_data(own_scope(patient), "mood", period)
    shared = chartdata.chart_data(share_scope(share), "mood", period)
    assert [d.mood for d in own.days] == [2.0, 7.0]
    assert [d.mood for d in shared.days] == [7.0]
    with pytest.raises(PermissionDenied):
        chartdata.chart_data(share_scope(share), "blood-pressure", period)
    bare = Scope(patient=patient, categories=frozenset({"mood"}))
    assert chartdata.chart_data(bare, "mood", period) == own
