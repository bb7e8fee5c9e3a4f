"""The share-active rule exists twice, once in Python (`permissions.is_active_on`) and once as
a filter (`permissions.active_on`); every caller uses one of them. Generated shares (start and
expiry dates either side of the day, open ends, revoked) in patients' zones on either side of
the date line, read at generated instants, must get the same answer from both, on the
database, and from the helpers built on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journal import permissions, services
from journal.models import Role, Share, User
from tests.conftest import enroll

pytestmark = pytest.mark.django_db

BASE_DAY = date(2026, 3, 10)
# One instant is three calendar dates across these (UTC+14, UTC-11); London has a DST change
# at the end of the month.
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London")
OFFSETS = st.integers(min_value=-3, max_value=3)


@st.composite
def share_specs(draw: st.DrawFn) -> dict[str, object]:
    """A share as the model allows it: each end open or a day near BASE_DAY, the expiry on or
    after the start, revoked or not, for one of the generated patients."""
    start = draw(st.none() | OFFSETS)
    end = draw(st.none() | OFFSETS.filter(lambda d: start is None or d >= start))
    return {
        "patient": draw(st.integers(min_value=0, max_value=len(ZONES))),
        "starts_on": None if start is None else BASE_DAY + timedelta(days=start),
        "expires_on": None if end is None else BASE_DAY + timedelta(days=end),
        "revoked": draw(st.booleans()),
    }


SHARES = st.lists(share_specs(), min_size=1, max_size=8)
INSTANTS = st.integers(min_value=-4 * 24, max_value=4 * 24).map(
    lambda hours: datetime(2026, 3, 10, 10, 30, tzinfo=UTC) + timedelta(hours=hours)
)


@pytest.fixture
def sharing_patients(db, clinic_admin: User) -> list[User]:
    """A patient in each zone, and one deactivated patient (whose shares are never active for
    the provider, whatever their dates say)."""
    patients = [
        enroll(f"zone{i}@clinic.test", Role.PATIENT, f"Zone {i}", time_zone=zone)
        for i, zone in enumerate(ZONES)
    ]
    gone = enroll("zone-gone@clinic.test", Role.PATIENT, "Zone Gone", time_zone=ZONES[0])
    services.deactivate_account(actor=clinic_admin, user=gone)
    gone.refresh_from_db()
    return [*patients, gone]


def _create(specs: list[dict[str, object]], patients: list[User], provider: User) -> list[Share]:
    # Rows straight into the table: `services.grant_share` rightly refuses a second open share
    # and past dates, and this test needs every state the table can hold (revocation is the
    # only state a share has besides its dates).
    return [
        Share.objects.create(
            patient=patients[spec["patient"]],
            provider=provider,
            share_mood=True,
            starts_on=spec["starts_on"],
            expires_on=spec["expires_on"],
            revoked_at=datetime(2026, 3, 1, tzinfo=UTC) if spec["revoked"] else None,
        )
        for spec in specs
    ]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=SHARES, offset=st.integers(min_value=-5, max_value=5))
def test_the_python_rule_and_the_filter_pick_the_same_shares_on_any_day(
    sharing_patients, provider, specs, offset
) -> None:
    day = BASE_DAY + timedelta(days=offset)
    with transaction.atomic():
        shares = _create(specs, sharing_patients, provider)
        ids = [s.pk for s in shares]
        in_sql = set(
            Share.objects.filter(permissions.active_on(day), pk__in=ids).values_list(
                "pk", flat=True
            )
        )
        in_python = {s.pk for s in shares if permissions.is_active_on(s, day)}
        assert in_sql == in_python
        for share in shares:
            status = permissions.share_status(share, day)
            assert (status == "active") == permissions.is_active_on(share, day), status
        transaction.set_rollback(True)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=SHARES, now=INSTANTS)
def test_each_share_is_judged_on_its_patients_own_date_by_every_helper(
    sharing_patients, provider, specs, now
) -> None:
    with transaction.atomic():
        shares = _create(specs, sharing_patients, provider)
        expected = {
            s.pk
            for s in shares
            if s.patient.is_active
            and permissions.is_active_on(s, permissions.patient_today(s.patient, now))
        }
        by_query = set(permissions.active_shares_for(provider, now).values_list("pk", flat=True))
        by_values = {pk for (pk,) in permissions.active_share_values(provider, ("pk",), now)}
        assert by_query == expected
        assert by_values == expected
        for patient in sharing_patients:
            today = permissions.patient_today(patient, now)
            found = permissions.get_active_share(provider, patient, today)
            mine = {s.pk for s in shares if s.patient == patient} & expected
            assert (found.pk if found else None) in (mine or {None})
        transaction.set_rollback(True)
