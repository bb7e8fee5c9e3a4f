"""Plausible, deterministic demo journal history (used by `manage.py seed_demo`).

Everything is written through `journal.services`, so demo data carries real flags and
passes the same validation as anything a patient enters.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from decimal import Decimal

from django.utils import timezone

from journal import services
from journal.catalogue import GAD7, PHQ9, check_in_symptoms, post_session_symptoms
from journal.models import Route, User

DAYS = 90
# Induction: two sessions a week for the first four weeks, then weekly.
INDUCTION_DAYS = 28
CHECKIN_NOTES = [
    "Slept badly, but the afternoon was okay.",
    "Walked to the shops and back.",
    "Feeling more like myself today.",
    "Heavy morning, lifted a bit after lunch.",
    "Saw a friend for coffee.",
    "",
    "",
    "",
]
REPORT_NOTES = [
    "Floaty for about an hour, then tired.",
    "Easier than last time.",
    "Felt sick in the car home.",
    "",
]


def _at(day: dt.date, hour: int, minute: int, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)


def _session_days(start: dt.date) -> list[dt.date]:
    days = []
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        if offset < INDUCTION_DAYS:
            if day.weekday() in (0, 3):  # Monday and Thursday
                days.append(day)
        elif day.weekday() == 0:
            days.append(day)
    return days


def _mood(rng: random.Random, progress: float, bump: float = 0.0) -> int:
    """Mood that improves over treatment, with day-to-day noise."""
    base = 3.5 + 3.5 * progress + bump
    return max(0, min(10, round(rng.gauss(base, 1.2))))


def _severity(rng: random.Random, typical: float) -> int:
    return max(0, min(4, round(rng.gauss(typical, 0.7))))


def _checkin_ratings(
    rng: random.Random, codes: list[str], offset: int, first: bool
) -> dict[str, int]:
    ratings = {}
    for code in codes:
        if code in {"cravings", "urinary"}:
            # Rare and mild; one moderate urinary day shows what the flag looks like.
            ratings[code] = 1 if rng.random() < 0.05 else 0
        else:
            ratings[code] = _severity(rng, 1.0 if code == "sleep" else 0.0)
    if offset == 60 and first:
        ratings["urinary"] = 2
    return ratings


def seed_patient_history(user: User, *, now: dt.datetime | None = None) -> None:
    """Write about 90 days of sessions, reports, readings, check-ins and questionnaires."""
    now = now or timezone.now()
    latest = now - dt.timedelta(minutes=5)
    rng = random.Random(zlib.crc32(user.email.encode()))  # noqa: S311 - demo data only
    zone = user.zone
    today = now.astimezone(zone).date()
    start = today - dt.timedelta(days=DAYS - 1)
    route = rng.choice([Route.INTRANASAL, Route.IV, Route.INTRANASAL])
    sessions = _session_days(start)
    alarming_index = len(sessions) // 3  # one session with a 185/121 reading after the dose

    for index, day in enumerate(sessions):
        started = _at(day, 10, rng.choice([0, 15, 30]), zone)
        if started + dt.timedelta(hours=8) > latest:
            continue
        progress = (day - start).days / DAYS
        dose = Decimal("56") if route == Route.INTRANASAL and index < 8 else Decimal("84")
        if route == Route.IV:
            dose = Decimal("35.00")
        session = services.log_session(patient=user, started_at=started, route=route, dose_mg=dose)
        before = (rng.randint(116, 134), rng.randint(72, 86))
        if index == alarming_index:
            after = (185, 121)
        else:
            after = (before[0] + rng.randint(4, 22), before[1] + rng.randint(2, 12))
        readings = [
            services.ReadingInput(
                started - dt.timedelta(minutes=10),
                before[0],
                before[1],
                "before",
                rng.randint(62, 80),
            ),
            services.ReadingInput(
                started + dt.timedelta(minutes=40),
                after[0],
                after[1],
                "after40",
                rng.randint(70, 95),
            ),
            services.ReadingInput(
                started + dt.timedelta(hours=2),
                before[0] + rng.randint(0, 8),
                before[1] + rng.randint(0, 5),
                "discharge",
            ),
        ]
        fading = 2.2 - 1.6 * progress  # side effects ease as treatment goes on
        ratings = {
            s.code: _severity(
                rng, fading * 0.8 if s.code in {"dissociation", "drowsiness"} else fading / 5
            )
            for s in post_session_symptoms(route)
            if s.is_severity
        }
        # Usually back to normal within 2-4 hours, nothing still present the next morning.
        ratings["back_to_normal"] = 2 if rng.random() < 0.7 else 1
        services.submit_report(
            patient=user,
            session=session,
            reported_at=started + dt.timedelta(hours=rng.randint(6, 9)),
            mood=_mood(rng, progress, bump=1.0),
            ratings=ratings,
            overall_bother=_severity(rng, fading * 0.6),
            readings=readings,
            note=rng.choice(REPORT_NOTES),
            note_shareable=rng.random() < 0.5,
        )

    symptoms = [s.code for s in check_in_symptoms() if s.is_severity]
    for offset in range(DAYS):
        day = start + dt.timedelta(days=offset)
        progress = offset / DAYS
        times = [_at(day, 9, rng.randint(0, 50), zone)]
        if rng.random() < 0.45:
            times.append(_at(day, 21, rng.randint(0, 50), zone))
        for number, recorded_at in enumerate(times):
            if recorded_at > latest:
                continue
            services.log_checkin(
                patient=user,
                recorded_at=recorded_at,
                mood=_mood(rng, progress),
                anxiety=max(0, min(10, round(rng.gauss(6 - 3 * progress, 1.5)))),
                pain=None if rng.random() < 0.6 else rng.randint(0, 4),
                ratings=_checkin_ratings(rng, symptoms, offset, number == 0),
                note=rng.choice(CHECKIN_NOTES),
                note_shareable=rng.random() < 0.3,
            )

    for offset in range(0, DAYS, 14):
        day = start + dt.timedelta(days=offset)
        completed_at = _at(day, 19, 30, zone)
        if completed_at > latest:
            continue
        progress = offset / DAYS
        level = 2.2 - 1.7 * progress
        phq9 = [_severity(rng, level) if i < 8 else 0 for i in range(len(PHQ9.items))]
        phq9 = [min(3, a) for a in phq9]
        services.submit_questionnaire(
            patient=user, instrument="phq9", answers=phq9, difficulty=1, completed_at=completed_at
        )
        gad7 = [min(3, _severity(rng, level * 0.9)) for _ in GAD7.items]
        services.submit_questionnaire(
            patient=user,
            instrument="gad7",
            answers=gad7,
            difficulty=1,
            completed_at=completed_at + dt.timedelta(minutes=5),
        )
