"""Internals shared by the journal services: snapshots, revisions, flag storage, checks.

Not part of the public service API (import from `journal.services`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from journal import flags
from journal.catalogue import QUESTIONNAIRES, Symptom
from journal.http import current_client_ip
from journal.models import (
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Flag,
    MarkedBaseline,
    PatientOwned,
    PostSessionReport,
    QuestionnaireResponse,
    SymptomRating,
    TreatmentSession,
    User,
)
from journal.notifications import alerts
from journal.outcomes import BASELINE_WINDOW
from journal.services import standings
from journal.services.audit import record_audit
from journal.thresholds import Thresholds

# Clocks on phones drift; a time this far ahead of the server still counts as "now".
CLOCK_SKEW = timedelta(minutes=2)

Entry = TypeVar("Entry", bound=PatientOwned)

ENTRY_TYPES: dict[type[PatientOwned], str] = {
    TreatmentSession: "session",
    PostSessionReport: "report",
    CheckIn: "checkin",
    BloodPressureReading: "reading",
    QuestionnaireResponse: "questionnaire",
}


class StaleEdit(Exception):
    """The entry changed since the editor loaded it; nothing was written."""

    def __init__(self, *, entry_type: str, current: dict[str, Any], current_version: int) -> None:
        self.entry_type = entry_type
        self.current = current
        self.current_version = current_version
        super().__init__(
            f"This {entry_type} was changed elsewhere (now version {current_version})."
        )


def check_not_future(value: datetime, field: str) -> None:
    """Refuse instants in the future (beyond a little clock skew)."""
    if value > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _("This time is in the future. Enter when it happened.")})


# Foreign keys that point at rows this request has already read or written (the signed-in
# patient, their session, the entry just saved): `validate` does not look them up again.
KNOWN_PARENTS = ("patient", "session", "report", "checkin", "reading", "questionnaire")


def validate(obj: Model) -> None:
    """`full_clean()` without its per-row queries, so a report with 14 ratings and two
    readings is not 40 extra round trips: known parents (`KNOWN_PARENTS`) are not looked up
    again (a unique one is still checked for uniqueness: one report per session), and check
    constraints are not evaluated in the database because field validators and `clean()`
    state each of them (tests/test_model_validation.py holds every check constraint of the
    journal models to that). The database still enforces them all."""
    known = [f.name for f in obj._meta.concrete_fields if f.name in KNOWN_PARENTS]
    obj.full_clean(exclude=known, validate_constraints=False)
    unique = {f.name for f in obj._meta.concrete_fields if f.name in known and f.unique}
    if unique:
        obj.validate_unique(exclude=[f.name for f in obj._meta.fields if f.name not in unique])


def check_owner(patient: User, obj: Model, field: str = "__all__") -> None:
    """Refuse an object that belongs to another patient."""
    if getattr(obj, "patient_id", None) != patient.pk:
        raise ValidationError({field: _("Choose one of your own entries.")})


def clean_ratings(
    ratings: Mapping[str, int] | None, allowed: Iterable[Symptom], field: str = "ratings"
) -> dict[str, int]:
    """Keep ratings only for `allowed` catalogue codes, each one of its item's answers (0–4 on
    the severity scale, 0/1 for yes/no)."""
    items = {s.code: s for s in allowed}
    cleaned: dict[str, int] = {}
    for code, severity in (ratings or {}).items():
        if code not in items:
            raise ValidationError({field: _("'%(code)s' is not asked here.") % {"code": code}})
        values = [v for v, _label in items[code].options]
        if isinstance(severity, bool) or not isinstance(severity, int) or severity not in values:
            if items[code].is_severity:
                message = _("Each rating must be from 0 (None) to 4 (Very severe).")
            else:
                answers = ", ".join(f"{v} ({label})" for v, label in items[code].options)
                message = _("'%(item)s' takes one of %(answers)s.") % {
                    "item": items[code].label,
                    "answers": answers,
                }
            raise ValidationError({field: message})
        cleaned[code] = severity
    return cleaned


def lock(obj: Entry) -> Entry:
    """Re-read `obj` inside the transaction, locked for update."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def check_version(obj: PatientOwned, expected_version: int | None) -> None:
    """Raise StaleEdit when the stored version differs from the one the editor started from."""
    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit(
            entry_type=ENTRY_TYPES[type(obj)], current=snapshot(obj), current_version=obj.version
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def snapshot(obj: Model) -> dict[str, Any]:
    """The patient-entered values of an entry as JSON-ready data."""
    if isinstance(obj, TreatmentSession):
        return {
            "started_at": _iso(obj.started_at),
            "route": obj.route,
            "dose_mg": None if obj.dose_mg is None else str(obj.dose_mg),
            "note": obj.note,
        }
    if isinstance(obj, PostSessionReport):
        return {
            "reported_at": _iso(obj.reported_at),
            "mood": obj.mood,
            "overall_bother": obj.overall_bother,
            "ratings": {r.code: r.severity for r in obj.ratings.all()},
            "note": obj.note,
            "note_shareable": obj.note_shareable,
        }
    if isinstance(obj, CheckIn):
        return {
            "recorded_at": _iso(obj.recorded_at),
            "mood": obj.mood,
            "anxiety": obj.anxiety,
            "pain": obj.pain,
            "ratings": {r.code: r.severity for r in obj.ratings.all()},
            "note": obj.note,
            "note_shareable": obj.note_shareable,
        }
    if isinstance(obj, BloodPressureReading):
        return {
            "measured_at": _iso(obj.measured_at),
            "systolic": obj.systolic,
            "diastolic": obj.diastolic,
            "pulse": obj.pulse,
            "context": obj.context,
            "session_id": obj.session_id,
        }
    if isinstance(obj, QuestionnaireResponse):
        return {
            "instrument": obj.instrument,
            "completed_at": _iso(obj.completed_at),
            "answers": list(obj.answers),
            "difficulty": obj.difficulty,
            "total": obj.total,
            "band": obj.band,
        }
    raise TypeError(f"Not a journal entry: {type(obj).__name__}")


def save_revision(obj: PatientOwned, action: str = "edit") -> EntryRevision:
    """Keep what `obj` looks like now, before it is edited or deleted."""
    revision = EntryRevision(
        patient_id=obj.patient_id,
        entry_type=ENTRY_TYPES[type(obj)],
        entry_id=obj.pk,
        version=obj.version,
        action=action,
        data=snapshot(obj),
    )
    validate(revision)
    revision.save()
    return revision


def bump(obj: PatientOwned) -> None:
    """Mark an edit: next version, new change time."""
    obj.version += 1
    obj.updated_at = timezone.now()


def flag_values(obj: Model) -> dict[str, Any]:
    """The values a flag was judged on, without notes (a withdrawal is shown to providers)."""
    values = snapshot(obj)
    values.pop("note", None)
    values.pop("note_shareable", None)
    return values


def _withdraw(flag: Flag, *, action: str, after: dict[str, Any] | None, now: datetime) -> None:
    """The patient changed or deleted the flagged entry so the rule no longer fires: the flag
    stays (open until a provider acknowledges it), marked withdrawn with what changed."""
    before = {k: v for k, v in flag.detail.items() if k != "title"}
    flag.withdrawn_at = now
    flag.withdrawal = {"action": action, "before": before, "after": after}
    flag.save(update_fields=["withdrawn_at", "withdrawal"])


def sync_flags(
    owner_field: str,
    items: Iterable[tuple[PatientOwned, list[flags.FlagResult], datetime]],
) -> None:
    """Store the rules that fire now on each record; never delete a flag.

    A kind that still fires keeps its row (and its acknowledgement) with the current values; a
    kind that fires again after a withdrawal is reopened as raised; a kind that no longer fires
    is marked withdrawn by the patient (DESIGN.md §3, lifecycle); a new kind is added.
    """
    items = list(items)
    if not items:
        return
    now = timezone.now()
    existing: dict[tuple[int, str], Flag] = {
        (getattr(f, f"{owner_field}_id"), f.kind): f
        for f in Flag.objects.filter(**{f"{owner_field}__in": [obj for obj, _, _ in items]})
    }
    create: list[Flag] = []
    changed = False
    for obj, results, raised_at in items:
        fired = {result.kind for result in results}
        for result in results:
            detail = {**result.detail, "title": result.title_en or result.title}
            flag = existing.get((obj.pk, result.kind))
            if flag is None:
                flag = Flag(
                    patient_id=obj.patient_id,
                    kind=result.kind,
                    category=result.category,
                    severity=result.severity,
                    raised_at=raised_at,
                    detail=detail,
                    entry_type=ENTRY_TYPES[type(obj)],
                    entry_id=obj.pk,
                    **{owner_field: obj},
                )
                validate(flag)
                create.append(flag)
                continue
            current = (flag.category, flag.severity, flag.raised_at, flag.detail)
            wanted = (result.category, result.severity, raised_at, detail)
            if current != wanted or flag.withdrawn_at is not None:
                flag.category, flag.severity = result.category, result.severity
                flag.raised_at, flag.detail = raised_at, detail
                flag.withdrawn_at, flag.withdrawal = None, {}
                validate(flag)
                changed = True
                flag.save(
                    update_fields=[
                        "category",
                        "severity",
                        "raised_at",
                        "detail",
                        "withdrawn_at",
                        "withdrawal",
                    ]
                )
        for (owner_id, kind), flag in existing.items():
            if owner_id == obj.pk and kind not in fired and flag.withdrawn_at is None:
                _withdraw(flag, action="edit", after=flag_values(obj), now=now)
    if create:
        Flag.objects.bulk_create(create)
    if create or changed:
        standings.refresh({obj.patient_id for obj, _, _ in items})
    if create:
        alerts.after_flags_raised(create)


def withdraw_deleted(objs: Iterable[PatientOwned]) -> None:
    """Before entries are deleted: their open flags are marked withdrawn (deleted) and kept;
    the foreign key is set to NULL by the delete, `entry_type`/`entry_id` keep naming it."""
    now = timezone.now()
    by_field: dict[str, list[int]] = defaultdict(list)
    for obj in objs:
        if ENTRY_TYPES[type(obj)] != "session":
            by_field[ENTRY_TYPES[type(obj)]].append(obj.pk)
    for field, ids in by_field.items():
        for flag in Flag.objects.filter(**{f"{field}__in": ids}, withdrawn_at__isnull=True):
            _withdraw(flag, action="delete", after=None, now=now)


def _reading_data(reading: BloodPressureReading) -> flags.ReadingData:
    return flags.ReadingData(reading.systolic, reading.diastolic, reading.context, reading.pulse)


def reflag_readings(
    t: Thresholds,
    *,
    session: TreatmentSession | None = None,
    reading: BloodPressureReading | None = None,
) -> None:
    """Recompute blood-pressure flags for every reading of `session` (post-dose rise compares
    with its before-dose reading), or for one reading without a session."""
    if session is None:
        if reading is not None:
            sync_flags(
                "reading",
                [
                    (
                        reading,
                        flags.reading_flags(_reading_data(reading), None, t),
                        reading.measured_at,
                    )
                ],
            )
        return
    readings = list(
        BloodPressureReading.objects.filter(session=session).order_by("measured_at", "id")
    )
    befores = [r for r in readings if r.context == flags.BEFORE]
    # The latest before-dose reading is the one closest to dosing, so the fairest baseline.
    baseline = _reading_data(befores[-1]) if befores else None
    sync_flags(
        "reading",
        [(r, flags.reading_flags(_reading_data(r), baseline, t), r.measured_at) for r in readings],
    )


def session_name(session: TreatmentSession, zone: ZoneInfo) -> str:
    """'2 Dec IV session' in the patient's zone, for clinical flag titles. Stored with the
    flag, so always in English whatever language the patient writes in."""
    local = session.started_at.astimezone(zone)
    with translation.override("en"):
        route = {"iv": "IV", "im": "IM"}.get(session.route, session.get_route_display().lower())
    return f"{local.day} {local:%b} {route} session"


def _mood_history(patient_id: int, when: datetime, zone: ZoneInfo) -> flags.MoodHistory:
    """Daily means of mood (check-ins and reports) over the 35 local days ending with the day
    of `when`."""
    today = when.astimezone(zone).date()
    since = when - timedelta(days=36)
    moods: dict[date, list[int]] = defaultdict(list)
    for at, mood in CheckIn.objects.filter(
        patient_id=patient_id, recorded_at__gte=since, recorded_at__lte=when
    ).values_list("recorded_at", "mood"):
        moods[at.astimezone(zone).date()].append(mood)
    for at, mood in PostSessionReport.objects.filter(
        patient_id=patient_id, reported_at__gte=since, reported_at__lte=when
    ).values_list("reported_at", "mood"):
        moods[at.astimezone(zone).date()].append(mood)
    daily = {day: fmean(values) for day, values in moods.items() if day <= today}
    return flags.MoodHistory(today=today, daily_means=daily)


def _sustained_low_mood(
    obj: PostSessionReport | CheckIn, when: datetime, zone: ZoneInfo, t: Thresholds
) -> flags.FlagResult | None:
    """The sustained-low-mood rule, raised once per episode: not again while another entry's
    flag of that kind was raised in the 7 days before."""
    result = flags.sustained_low_mood(_mood_history(obj.patient_id, when, zone), t)
    if result is None:
        return None
    field = "report" if isinstance(obj, PostSessionReport) else "checkin"
    recent = (
        Flag.objects.filter(
            patient_id=obj.patient_id,
            kind=flags.SUSTAINED_LOW_MOOD,
            withdrawn_at__isnull=True,
            raised_at__gte=when - timedelta(days=7),
            raised_at__lte=when,
        )
        .exclude(**{field: obj})
        .exists()
    )
    return None if recent else result


def _urinary_history(checkin: CheckIn, t: Thresholds) -> list[int]:
    rows = (
        SymptomRating.objects.filter(
            checkin__patient_id=checkin.patient_id,
            checkin__recorded_at__lte=checkin.recorded_at,
            code="urinary",
        )
        .order_by("-checkin__recorded_at", "-checkin_id")
        .values_list("severity", flat=True)[: t.rising_urinary_checkins]
    )
    return list(reversed(rows))


def reflag_entry(
    obj: PostSessionReport | CheckIn, t: Thresholds, *, ratings: dict[str, int] | None = None
) -> None:
    """Recompute the flags of a report or a check-in (with the patient's recent history for
    sustained low mood and rising urinary symptoms). `ratings`: the entry's ratings as just
    saved (otherwise read back)."""
    if ratings is None:
        ratings = {r.code: r.severity for r in obj.ratings.all()}
    patient = obj._state.fields_cache.get("patient")
    zone = (
        patient.zone
        if isinstance(patient, User) and patient.pk == obj.patient_id
        else ZoneInfo(User.objects.values_list("time_zone", flat=True).get(pk=obj.patient_id))
    )
    if isinstance(obj, PostSessionReport):
        session = obj.session
        hours = (obj.reported_at - session.started_at).total_seconds() / 3600
        data = flags.ReportData(
            mood=obj.mood,
            overall_bother=obj.overall_bother,
            ratings=ratings,
            hours_after_start=hours,
            session=session_name(session, zone),
        )
        results = flags.report_flags(data, t)
        when, field = obj.reported_at, "report"
    else:
        results = flags.checkin_flags(
            obj.mood, ratings, t, urinary_history=_urinary_history(obj, t)
        )
        when, field = obj.recorded_at, "checkin"
    sustained = _sustained_low_mood(obj, when, zone, t)
    if sustained is not None:
        results.append(sustained)
    sync_flags(field, [(obj, results, when)])


def _phq9_baseline(patient_id: int) -> QuestionnaireResponse | None:
    """The PHQ-9 baseline (DESIGN.md §3b): the one a provider marked, else the latest taken in
    the 7 days up to the first session (`journal.outcomes.BASELINE_WINDOW`), if any."""
    marked = (
        MarkedBaseline.objects.filter(patient_id=patient_id, instrument="phq9")
        .select_related("questionnaire")
        .first()
    )
    if marked is not None:
        return marked.questionnaire
    first = (
        TreatmentSession.objects.filter(patient_id=patient_id)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    if first is None:
        return None
    return (
        QuestionnaireResponse.objects.filter(
            patient_id=patient_id,
            instrument="phq9",
            completed_at__lte=first,
            completed_at__gte=first - BASELINE_WINDOW,
        )
        .order_by("-completed_at", "-id")
        .first()
    )


def reflag_questionnaire(obj: QuestionnaireResponse, t: Thresholds) -> None:
    """Recompute the flags of a questionnaire response (PHQ-9 worsening compares with the
    previous PHQ-9 and the baseline)."""
    previous = baseline = None
    if obj.instrument == "phq9":
        earlier = (
            QuestionnaireResponse.objects.filter(
                patient_id=obj.patient_id, instrument="phq9", completed_at__lt=obj.completed_at
            )
            .exclude(pk=obj.pk)
            .order_by("-completed_at", "-id")
            .values_list("total", flat=True)
            .first()
        )
        previous = earlier
        base = _phq9_baseline(obj.patient_id)
        if base is not None and base.pk != obj.pk and base.completed_at < obj.completed_at:
            baseline = base.total
    results = flags.questionnaire_flags(
        obj.instrument, list(obj.answers), obj.total, t, previous=previous, baseline=baseline
    )
    sync_flags("questionnaire", [(obj, results, obj.completed_at)])


# --- Shared checks and writes ------------------------------------------------------------


def check_session(patient: User, session: TreatmentSession | None) -> None:
    """Refuse a session that belongs to someone else."""
    if session is not None and session.patient_id != patient.pk:
        raise ValidationError({"session": _("Choose one of your own sessions.")})


def check_report_time(session: TreatmentSession, reported_at: datetime) -> None:
    """A report comes after its session."""
    if reported_at < session.started_at:
        raise ValidationError(
            {"reported_at": _("A report is written after its session; this time is before it.")}
        )


def save_ratings(
    parent: PostSessionReport | CheckIn, ratings: dict[str, int], *, replace: bool = True
) -> None:
    """Replace the symptom ratings of a report or a check-in (`replace=False`: a new entry,
    nothing to remove)."""
    parent_field = "report" if isinstance(parent, PostSessionReport) else "checkin"
    if replace:
        SymptomRating.objects.filter(**{parent_field: parent}).delete()
    rows = [SymptomRating(code=c, severity=s, **{parent_field: parent}) for c, s in ratings.items()]
    for row in rows:
        validate(row)
    SymptomRating.objects.bulk_create(rows)


def score(instrument: str, answers: list[int]) -> tuple[int, str]:
    """Total and band of a questionnaire, as a ValidationError when the answers are wrong."""
    questionnaire = QUESTIONNAIRES.get(instrument)
    if questionnaire is None:
        raise ValidationError({"instrument": _("Unknown questionnaire.")})
    try:
        return questionnaire.score(answers)
    except ValueError as exc:
        raise ValidationError({"answers": str(exc)}) from exc


def check_difficulty(difficulty: int | None) -> None:
    """The optional difficulty item is 0–3."""
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 0 <= difficulty <= 3
    ):
        raise ValidationError({"difficulty": _("Choose one of the four answers.")})


def new_reading(
    patient: User,
    session: TreatmentSession | None,
    report: PostSessionReport | None,
    measured_at: datetime,
    systolic: int,
    diastolic: int,
    context: str,
    pulse: int | None,
) -> BloodPressureReading:
    """Validate and save one reading (flags are the caller's job)."""
    check_not_future(measured_at, "measured_at")
    reading = BloodPressureReading(
        patient=patient,
        session=session,
        report=report,
        measured_at=measured_at,
        systolic=systolic,
        diastolic=diastolic,
        context=context,
        pulse=pulse,
    )
    validate(reading)
    reading.save()
    return reading


def audit_entry(
    *,
    patient: User,
    entry: PatientOwned,
    action: str,
    related: dict[str, list[int]] | None = None,
) -> None:
    """One audit row for a journal write: the entry's type, id and version, never its values.

    Called last inside the service's transaction, so a rolled-back or replayed write leaves no
    row, and the audit chain's append lock is held as briefly as possible."""
    detail: dict[str, object] = {
        "entry_type": ENTRY_TYPES[type(entry)],
        "entry_id": entry.pk,
        "version": getattr(entry, "version", None),
    }
    detail.update(related or {})
    record_audit(
        action=action, actor=patient, subject=patient, ip=current_client_ip(), detail=detail
    )
