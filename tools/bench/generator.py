"""Fast, realistic benchmark data: the rows the journal services would write, bulk-inserted.

Each patient gets a history (a year by default) of supervised sessions every 3–10 days, each
with a post-session report rating every acute symptom of its route and 1–3 blood-pressure
readings (before dose, ~40 minutes after, at discharge); 1–3 check-ins a day rating every
between-session symptom; a PHQ-9 and a GAD-7 every two weeks. Flags come from the same pure
rules the services use (`journal.flags`), with the same detail, category, severity and
`raised_at` that `journal.services.entries.sync_flags` stores. Rows go in with
`bulk_create(batch_size=...)` inside one transaction per group of patients.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from journal import flags
from journal.catalogue import QUESTIONNAIRES, check_in_symptoms, post_session_symptoms
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    ReadingContext,
    Route,
    SymptomRating,
    TreatmentSession,
    TriageStanding,
    User,
)
from journal.services import standings
from journal.services.entries import session_name
from journal.thresholds import Thresholds
from tools.bench.accounts import BenchAccounts, create_accounts

# Patients per transaction: bounds memory (about 5,000 rows per patient-year).
PATIENTS_PER_CHUNK = 8
SIZES: dict[str, int] = {"small": 2, "large": 250}
ROUTES = (Route.INTRANASAL, Route.INTRANASAL, Route.IV, Route.IV, Route.IM, Route.ORAL)
DOSES = {
    Route.INTRANASAL: (Decimal("56.00"), Decimal("84.00")),
    Route.IV: (Decimal("35.00"), Decimal("42.50"), Decimal("50.00")),
    Route.IM: (Decimal("50.00"), Decimal("75.00")),
    Route.ORAL: (Decimal("100.00"), Decimal("150.00")),
}
CHECKIN_HOURS = ((8, 30), (14, 0), (21, 15))
# Typical between-session severities (cravings and urinary symptoms are uncommon).
CHECKIN_TYPICAL = {"sleep": 0.9, "memory": 0.5, "cravings": 0.1, "urinary": 0.15}


@dataclass
class Batch:
    """Unsaved rows of a group of patients, in insertion order."""

    sessions: list[TreatmentSession] = field(default_factory=list)
    reports: list[PostSessionReport] = field(default_factory=list)
    checkins: list[CheckIn] = field(default_factory=list)
    ratings: list[SymptomRating] = field(default_factory=list)
    readings: list[BloodPressureReading] = field(default_factory=list)
    questionnaires: list[QuestionnaireResponse] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    def tables(self) -> list[tuple[type[models.Model], Sequence[models.Model]]]:
        """(model, rows) in foreign-key order."""
        return [
            (TreatmentSession, self.sessions),
            (PostSessionReport, self.reports),
            (CheckIn, self.checkins),
            (SymptomRating, self.ratings),
            (BloodPressureReading, self.readings),
            (QuestionnaireResponse, self.questionnaires),
            (Flag, self.flags),
        ]


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _local(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(UTC)


def _severity(rng: random.Random, typical: float) -> int:
    """Mostly None/Mild around `typical`, with a thin tail of Severe/Very severe."""
    roll = rng.random()
    if roll < 0.004:
        return 4
    if roll < 0.012:
        return 3
    return _clamp(rng.gauss(typical, 0.6), 0, 2)


def _add_flags(
    batch: Batch,
    patient: User,
    results: list[flags.FlagResult],
    raised_at: datetime,
    **owner: models.Model,
) -> None:
    # Exactly what `sync_flags` stores for a new record (`entry_id` is set at insert time).
    (entry_type,) = owner
    for result in results:
        batch.flags.append(
            Flag(
                patient=patient,
                kind=result.kind,
                category=result.category,
                severity=result.severity,
                raised_at=raised_at,
                created_at=raised_at,
                detail={**result.detail, "title": result.title},
                entry_type=entry_type,
                **owner,
            )
        )


class PatientHistory:
    """Builds one patient's journal as unsaved model instances (deterministic per rng)."""

    def __init__(self, rng: random.Random, t: Thresholds, patient: User, end: datetime) -> None:
        self.rng, self.t, self.patient, self.end = rng, t, patient, end
        self.zone = ZoneInfo(patient.time_zone)
        self.baseline = rng.uniform(3.0, 5.0)
        self.route = rng.choice(ROUTES)
        self.last_session: date | None = None
        # For the rules that look back (run once the whole history is built).
        self.moods: list[tuple[datetime, int, dict[str, models.Model]]] = []
        self.urinary: list[tuple[datetime, CheckIn, int]] = []
        self.phq9: list[tuple[datetime, QuestionnaireResponse]] = []
        self.first_session: datetime | None = None

    def mood_on(self, day: date) -> float:
        """Baseline, a lift after each session that fades over a week, a slow overall gain."""
        lift = 0.0
        if self.last_session is not None:
            lift = 2.2 * math.exp(-(day - self.last_session).days / 5)
        return self.baseline + lift + self.rng.gauss(0, 1.1)

    def build(self, batch: Batch, days: int) -> None:
        """Append `days` days of history ending at `self.end`."""
        last_day = self.end.astimezone(self.zone).date()
        first_day = last_day - timedelta(days=days - 1)
        next_session = first_day + timedelta(days=self.rng.randint(0, 3))
        for offset in range(days):
            day = first_day + timedelta(days=offset)
            self.baseline = min(7.5, self.baseline + 0.006)
            if day == next_session:
                self.session(batch, day)
                self.last_session = day
                next_session = day + timedelta(days=self.rng.randint(3, 10))
            for _ in range(self.rng.choices((1, 2, 3), weights=(50, 35, 15))[0]):
                self.checkin(batch, day)
            if offset % 14 == 13:
                self.questionnaire(batch, day, "phq9")
                self.questionnaire(batch, day, "gad7")
        self.history_flags(batch)

    def history_flags(self, batch: Batch) -> None:
        """Sustained low mood, rising urinary symptoms and PHQ-9 worsening, judged for each
        entry on the history up to it, as `journal.services.entries` does at each write."""
        t, zone = self.t, self.zone
        by_day: dict[date, list[int]] = {}
        last_sustained: datetime | None = None
        for when, mood, owner in sorted(self.moods, key=lambda m: m[0]):
            today = when.astimezone(zone).date()
            by_day.setdefault(today, []).append(mood)
            window = (today - timedelta(days=n) for n in range(35))
            daily = {d: sum(by_day[d]) / len(by_day[d]) for d in window if d in by_day}
            history = flags.MoodHistory(today=today, daily_means=daily)
            result = flags.sustained_low_mood(history, t)
            if result is None:
                continue
            if last_sustained is not None and last_sustained >= when - timedelta(days=7):
                continue
            last_sustained = when
            _add_flags(batch, self.patient, [result], when, **owner)
        values: list[int] = []
        for when, checkin, value in sorted(self.urinary, key=lambda u: u[0]):
            values.append(value)
            rising = flags.rising_urinary(values, t)
            if rising is not None:
                _add_flags(batch, self.patient, [rising], when, checkin=checkin)
        baseline = None
        if self.first_session is not None:
            first = self.first_session
            before = [q for q in self.phq9 if first - timedelta(days=7) <= q[0] <= first]
            baseline = before[-1] if before else None
        previous = None
        for when, response in sorted(self.phq9, key=lambda q: q[0]):
            base = baseline[1].total if baseline and baseline[0] < when else None
            worse = flags.phq9_worsening(
                response.total, previous.total if previous else None, base, t
            )
            if worse is not None:
                _add_flags(batch, self.patient, [worse], when, questionnaire=response)
            previous = response

    def _past(self, when: datetime) -> bool:
        return when <= self.end

    def session(self, batch: Batch, day: date) -> None:
        rng, patient = self.rng, self.patient
        started = _local(day, rng.randint(9, 15), rng.choice((0, 15, 30, 45)), self.zone)
        if not self._past(started + timedelta(hours=2)):
            return
        session = TreatmentSession(
            patient=patient,
            started_at=started,
            route=self.route,
            dose_mg=rng.choice(DOSES.get(self.route, (None,))),
            created_at=started,
            updated_at=started,
        )
        batch.sessions.append(session)
        if self.first_session is None:
            self.first_session = started
        reported = min(self.end, started + timedelta(hours=rng.uniform(5, 12)))
        mood = _clamp(self.mood_on(day) + 0.8, 0, 10)
        ratings = {
            s.code: _severity(rng, 1.2 if s.code in {"dissociation", "drowsiness"} else 0.4)
            for s in post_session_symptoms(self.route)
            if s.is_severity
        }
        report = PostSessionReport(
            patient=patient,
            session=session,
            reported_at=reported,
            mood=mood,
            overall_bother=_clamp(max(ratings.values(), default=0) - rng.random(), 0, 4),
            note="Felt floaty for an hour, fine by the evening." if rng.random() < 0.2 else "",
            note_shareable=rng.random() < 0.5,
            created_at=reported,
            updated_at=reported,
        )
        batch.reports.append(report)
        batch.ratings += [
            SymptomRating(report=report, code=c, severity=s) for c, s in ratings.items()
        ]
        data = flags.ReportData(
            mood=report.mood,
            overall_bother=report.overall_bother,
            ratings=ratings,
            hours_after_start=(reported - started).total_seconds() / 3600,
            session=session_name(session, self.zone),
        )
        _add_flags(batch, patient, flags.report_flags(data, self.t), reported, report=report)
        self.moods.append((reported, mood, {"report": report}))
        self.readings(batch, session, report, started)

    def readings(
        self,
        batch: Batch,
        session: TreatmentSession,
        report: PostSessionReport,
        started: datetime,
    ) -> None:
        rng = self.rng
        count = rng.choices((1, 2, 3), weights=(15, 45, 40))[0]
        contexts = [ReadingContext.BEFORE_DOSE, ReadingContext.AFTER_DOSE, ReadingContext.DISCHARGE]
        sys0 = _clamp(rng.gauss(124, 11) + (25 if rng.random() < 0.06 else 0), 90, 200)
        dia0 = _clamp(min(sys0 - 25, rng.gauss(79, 7)), 50, 140)
        offsets = (timedelta(minutes=-10), timedelta(minutes=40), timedelta(minutes=120))
        rises = (0.0, rng.gauss(13, 9) + (30 if rng.random() < 0.08 else 0), rng.gauss(5, 6))
        rows = []
        for index in range(count):
            systolic = _clamp(sys0 + rises[index], 80, 260)
            diastolic = _clamp(min(systolic - 20, dia0 + rises[index] * 0.6), 40, 170)
            if rng.random() < 0.01:
                systolic, diastolic = 185, 121  # alarming but plausible: stored and flagged
            measured = started + offsets[index]
            row = BloodPressureReading(
                patient=self.patient,
                session=session,
                report=report,
                measured_at=measured,
                context=contexts[index],
                systolic=systolic,
                diastolic=diastolic,
                pulse=_clamp(rng.gauss(74, 9), 45, 140) if rng.random() < 0.8 else None,
                created_at=report.reported_at,
                updated_at=report.reported_at,
            )
            rows.append(row)
        batch.readings += rows
        # As `reflag_readings`: the latest before-dose reading is the baseline for the rise rule.
        befores = [r for r in rows if r.context == flags.BEFORE]
        base = befores[-1] if befores else None
        baseline = (
            flags.ReadingData(base.systolic, base.diastolic, base.context, base.pulse)
            if base
            else None
        )
        for row in rows:
            data = flags.ReadingData(row.systolic, row.diastolic, row.context, row.pulse)
            results = flags.reading_flags(data, baseline, self.t)
            _add_flags(batch, self.patient, results, row.measured_at, reading=row)

    def checkin(self, batch: Batch, day: date) -> None:
        rng = self.rng
        hour, minute = rng.choice(CHECKIN_HOURS)
        recorded = _local(day, hour, _clamp(minute + rng.randint(-20, 20), 0, 59), self.zone)
        if not self._past(recorded):
            return
        mood = _clamp(self.mood_on(day), 0, 10)
        ratings = {
            s.code: _severity(rng, CHECKIN_TYPICAL.get(s.code, 0.3))
            for s in check_in_symptoms()
            if s.is_severity
        }
        checkin = CheckIn(
            patient=self.patient,
            recorded_at=recorded,
            mood=mood,
            anxiety=_clamp(8 - mood + rng.gauss(0, 1.5), 0, 10) if rng.random() < 0.7 else None,
            pain=_clamp(rng.gauss(3, 2), 0, 10) if rng.random() < 0.4 else None,
            note="Slept badly." if rng.random() < 0.1 else "",
            note_shareable=rng.random() < 0.3,
            created_at=recorded,
            updated_at=recorded,
        )
        batch.checkins.append(checkin)
        batch.ratings += [
            SymptomRating(checkin=checkin, code=c, severity=s) for c, s in ratings.items()
        ]
        _add_flags(
            batch,
            self.patient,
            flags.checkin_flags(mood, ratings, self.t),
            recorded,
            checkin=checkin,
        )
        self.moods.append((recorded, mood, {"checkin": checkin}))
        self.urinary.append((recorded, checkin, ratings["urinary"]))

    def questionnaire(self, batch: Batch, day: date, instrument: str) -> None:
        rng = self.rng
        completed = _local(day, 19, rng.randint(0, 59), self.zone)
        if not self._past(completed):
            return
        definition = QUESTIONNAIRES[instrument]
        level = max(0.0, (7 - self.mood_on(day)) / 3)  # 0 (well) … ~2.3 (very low)
        answers = [_clamp(rng.gauss(level, 0.7), 0, 3) for _ in definition.items]
        if instrument == "phq9":
            answers[-1] = 1 if rng.random() < 0.03 else 0
        total, band = definition.score(answers)
        response = QuestionnaireResponse(
            patient=self.patient,
            instrument=instrument,
            completed_at=completed,
            answers=answers,
            difficulty=rng.randint(0, 3),
            total=total,
            band=band,
            created_at=completed,
            updated_at=completed,
        )
        batch.questionnaires.append(response)
        # PHQ-9 worsening needs the earlier scores: `history_flags` adds it.
        results = flags.questionnaire_flags(instrument, answers, total, self.t)
        _add_flags(batch, self.patient, results, completed, questionnaire=response)
        if instrument == "phq9":
            self.phq9.append((completed, response))


def submit_pool(batch: Batch, patient: User, count: int, end: datetime) -> None:
    """Intranasal sessions without a report, one per benchmark report submission."""
    for index in range(count):
        started = end - timedelta(hours=3, minutes=index)
        batch.sessions.append(
            TreatmentSession(
                patient=patient,
                started_at=started,
                route=Route.INTRANASAL,
                dose_mg=Decimal("56.00"),
                created_at=started,
                updated_at=started,
            )
        )


def insert(batch: Batch, batch_size: int, counts: dict[str, int]) -> None:
    """Bulk-insert a batch in foreign-key order, adding row counts to `counts`."""
    for model, rows in batch.tables():
        if model is Flag:
            for flag in rows:
                assert isinstance(flag, Flag)
                owner = flag.report or flag.checkin or flag.reading or flag.questionnaire
                flag.entry_id = owner.pk if owner is not None else None
        if rows:
            model._default_manager.bulk_create(rows, batch_size=batch_size)
            counts[model.__name__] = counts.get(model.__name__, 0) + len(rows)


def default_end() -> datetime:
    """Midnight UTC today: deterministic for a seed within a day, and never in the future."""
    today = datetime.now(UTC).date()
    return datetime.combine(today, time.min, tzinfo=UTC)


def generate(
    *,
    patients: int,
    seed: int = 1,
    days: int = 365,
    triage: int = 0,
    triage_days: int = 14,
    triage_wide: int = 0,
    pool: int = 0,
    end: datetime | None = None,
    batch_size: int = 5000,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Create the benchmark accounts and their journals; returns rows created per model."""
    end = end or default_end()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    t = ClinicSettings.load_thresholds()
    password_hash = make_password(BenchAccounts.password)
    counts: dict[str, int] = {}
    with transaction.atomic():
        accounts = create_accounts(
            rng=rng,
            patients=patients,
            triage=triage,
            triage_wide=triage_wide,
            password_hash=password_hash,
            end=end,
            counts=counts,
        )
        if pool and accounts.submitter is not None:
            batch = Batch()
            submit_pool(batch, accounts.submitter, pool, end)
            insert(batch, batch_size, counts)
    groups = [(accounts.patients, days), (accounts.triage, triage_days)]
    for group, span in groups:
        for start in range(0, len(group), PATIENTS_PER_CHUNK):
            batch = Batch()
            for patient in group[start : start + PATIENTS_PER_CHUNK]:
                PatientHistory(rng, t, patient, end).build(batch, span)
            with transaction.atomic():
                insert(batch, batch_size, counts)
                # The triage standings the services keep with every flag they write.
                chunk = [p.pk for p in group[start : start + PATIENTS_PER_CHUNK]]
                standings.refresh(chunk)
                counts["TriageStanding"] = counts.get("TriageStanding", 0) + (
                    TriageStanding.objects.filter(share__patient__in=chunk).count()
                )
            if progress:
                done = min(start + PATIENTS_PER_CHUNK, len(group))
                progress(f"{done}/{len(group)} patients ({sum(counts.values())} rows so far)")
    return counts
