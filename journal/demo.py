"""Plausible, deterministic demo journal history (used by `manage.py seed_demo`).

Everything is written through `journal.services`, so demo data carries real flags and
passes the same validation as anything a patient enters.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import zlib
from dataclasses import dataclass
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
# Questionnaire totals of each course of treatment: the baseline (the evening before the first
# session), then one every 14 days after the first session. With `journal.outcomes`:
# remission (latest < 5), response (≥ 50 % below baseline, not below 5), response lost (two
# scores back above the 50 % level after a response) and no response.
REMITTER = "remitter"
RESPONDER = "responder"
LOST_RESPONSE = "lost_response"
NON_RESPONDER = "non_responder"


@dataclass(frozen=True)
class Course:
    phq9: tuple[int, ...]  # PHQ-9 totals (item 9 is always 0 here, so at most 24)
    gad7: tuple[int, ...]
    mood_gain: float  # how far daily mood rises over the 90 days


COURSES = {
    REMITTER: Course((18, 14, 10, 7, 5, 4, 3), (15, 12, 9, 7, 5, 4, 3), 4.5),
    RESPONDER: Course((20, 17, 14, 11, 9, 8, 8), (16, 14, 11, 9, 8, 7, 7), 3.0),
    LOST_RESPONSE: Course((16, 12, 8, 7, 10, 11, 12), (13, 10, 6, 6, 8, 9, 10), 2.0),
    NON_RESPONDER: Course((19, 18, 17, 16, 15, 16, 15), (14, 14, 13, 13, 12, 12, 12), 0.8),
}
QUESTIONNAIRE_EVERY = 14
# After a session mood lifts by this much, fading to nothing over SESSION_LIFT_DAYS.
SESSION_LIFT = 1.8
SESSION_LIFT_DAYS = 5
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


def _mood(rng: random.Random, progress: float, bump: float = 0.0, gain: float = 3.5) -> int:
    """Mood that improves over treatment by `gain`, with day-to-day noise."""
    base = 3.5 + gain * progress + bump
    return max(0, min(10, round(rng.gauss(base, 1.2))))


def _lift(starts: list[dt.datetime], at: dt.datetime) -> float:
    """The fading lift in mood after the latest session started before `at`."""
    index = bisect.bisect_right(starts, at) - 1
    if index < 0:
        return 0.0
    days = (at - starts[index]).total_seconds() / 86400
    return SESSION_LIFT * max(0.0, 1 - days / SESSION_LIFT_DAYS)


def answers_for(rng: random.Random, total: int, items: int, fixed_zero: int = 0) -> list[int]:
    """Item scores (0–3 each) adding up to `total`; the last `fixed_zero` items stay 0."""
    free = items - fixed_zero
    if not 0 <= total <= 3 * free:
        raise ValueError(f"A total of {total} cannot be spread over {free} items of 0–3.")
    answers = [0] * items
    for _ in range(total):
        index = rng.choice([i for i in range(free) if answers[i] < 3])
        answers[index] += 1
    return answers


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


def seed_patient_history(
    user: User, *, now: dt.datetime | None = None, course: str = RESPONDER
) -> None:
    """Write about 90 days of sessions, reports, readings, check-ins and questionnaires, the
    PHQ-9 and GAD-7 following `course` (a key of `COURSES`)."""
    plan = COURSES[course]
    now = now or timezone.now()
    latest = now - dt.timedelta(minutes=5)
    rng = random.Random(zlib.crc32(user.email.encode()))  # noqa: S311 - demo data only
    zone = user.zone
    today = now.astimezone(zone).date()
    start = today - dt.timedelta(days=DAYS - 1)
    route = rng.choice([Route.INTRANASAL, Route.IV, Route.INTRANASAL])
    sessions = _session_days(start)
    alarming_index = len(sessions) // 3  # one session with a 185/121 reading after the dose
    starts: list[dt.datetime] = []

    for index, day in enumerate(sessions):
        started = _at(day, 10, rng.choice([0, 15, 30]), zone)
        if started + dt.timedelta(hours=8) > latest:
            continue
        progress = (day - start).days / DAYS
        dose = Decimal("56") if route == Route.INTRANASAL and index < 8 else Decimal("84")
        if route == Route.IV:
            dose = Decimal("35.00")
        session = services.log_session(patient=user, started_at=started, route=route, dose_mg=dose)
        starts.append(started)
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
            mood=_mood(rng, progress, bump=SESSION_LIFT, gain=plan.mood_gain),
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
                mood=_mood(rng, progress, bump=_lift(starts, recorded_at), gain=plan.mood_gain),
                anxiety=max(0, min(10, round(rng.gauss(6 - 3 * progress, 1.5)))),
                pain=None if rng.random() < 0.6 else rng.randint(0, 4),
                ratings=_checkin_ratings(rng, symptoms, offset, number == 0),
                note=rng.choice(CHECKIN_NOTES),
                note_shareable=rng.random() < 0.3,
            )

    if not starts:
        return
    first = starts[0].astimezone(zone).date()
    days = [first - dt.timedelta(days=1)]
    days += [
        first + dt.timedelta(days=n) for n in range(QUESTIONNAIRE_EVERY, DAYS, QUESTIONNAIRE_EVERY)
    ]
    for number, day in enumerate(days):
        completed_at = _at(day, 19, 30, zone)
        if completed_at > latest:
            continue
        step = min(number, len(plan.phq9) - 1)
        services.submit_questionnaire(
            patient=user,
            instrument="phq9",
            answers=answers_for(rng, plan.phq9[step], len(PHQ9.items), fixed_zero=1),
            difficulty=1,
            completed_at=completed_at,
        )
        services.submit_questionnaire(
            patient=user,
            instrument="gad7",
            answers=answers_for(rng, plan.gad7[step], len(GAD7.items)),
            difficulty=1,
            completed_at=completed_at + dt.timedelta(minutes=5),
        )
