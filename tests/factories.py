"""Test data built through `journal.services`, so tests exercise the real write paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from journal.flags import FlagResult
    from journal.thresholds import Thresholds


def world_objects(personas) -> dict[str, object]:
    """One object of each kind a URL can point at, owned by `personas.patient`.

    Each feature adds its objects here; the URL × persona matrix looks them up by key.
    """
    objects: dict[str, object] = {}
    objects.update(sharing_world(personas))
    objects.update(journal_world(personas))
    objects.update(charts_world(personas))
    objects.update(email_change_world(personas))
    objects.update(devices_world(personas))
    return objects


# --- Devices ------------------------------------------------------------------------------


def devices_world(personas) -> dict[str, object]:
    """A signed-in session (a device) of `personas.patient`, recorded by a real log-in."""
    from django.test import Client

    from journal.models import UserSession

    Client().force_login(personas.patient)
    return {"device": UserSession.objects.filter(user=personas.patient).latest("created_at")}


# --- Email change confirmation ------------------------------------------------------------


def email_change_world(personas) -> dict[str, object]:
    """A confirmation link (its token) moving `personas.patient` to a new address."""
    from journal.services import security

    token = security.request_email_change(
        user=personas.patient, new_email="pat.new@clinic.test", confirm_url=lambda t: t
    )
    return {"email_change_token": token}


# --- Charts and dashboard ------------------------------------------------------------------


def charts_world(personas) -> dict[str, object]:
    """Chart URLs take a chart name, not an object: every patient may ask for their own."""
    return {"chart_name": "mood", "instrument": "phq9", "axis": "session"}


# --- Journal (sessions, reports, check-ins, readings, questionnaires) -----------------------


def journal_world(personas) -> dict[str, object]:
    """A session with a report and readings, a session without a report, a check-in, a
    standalone reading and a PHQ-9, all owned by `personas.patient`."""
    from datetime import timedelta

    from django.utils import timezone

    from journal import services

    patient = personas.patient
    started = timezone.now().replace(microsecond=0) - timedelta(days=2)
    session = services.log_session(patient=patient, started_at=started, route="iv", dose_mg=35)
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=started + timedelta(hours=4),
        mood=6,
        ratings={"dissociation": 2, "nausea": 1},
        overall_bother=1,
        readings=(
            services.ReadingInput(started - timedelta(minutes=10), 128, 80, "before"),
            services.ReadingInput(started + timedelta(minutes=40), 150, 88, "after40"),
        ),
    )
    unreported = services.log_session(
        patient=patient, started_at=started + timedelta(days=1), route="intranasal"
    )
    checkin = services.log_checkin(
        patient=patient, recorded_at=started + timedelta(days=1, hours=8), mood=5
    )
    reading = services.add_reading(
        patient=patient,
        measured_at=started + timedelta(days=1, hours=9),
        systolic=122,
        diastolic=78,
        context="home",
    )
    phq9 = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[1, 1, 1, 1, 1, 1, 1, 1, 0],
        completed_at=started + timedelta(days=1, hours=10),
    )
    return {
        "journal_session": session,
        "journal_session_unreported": unreported,
        "journal_report": report,
        "journal_checkin": checkin,
        "journal_reading": reading,
        "journal_questionnaire": phq9,
        "instrument_phq9": "phq9",
        "instrument_gad7": "gad7",
    }


# --- Sharing and provider workspace -------------------------------------------------------


def sharing_world(personas) -> dict[str, object]:
    """An active share from `personas.patient` to `personas.provider` (every category) and a
    flag (a 185/121 reading) the provider may acknowledge."""
    from datetime import timedelta

    from django.utils import timezone

    from journal import services
    from journal.models import ShareCategory

    share = services.grant_share(
        patient=personas.patient, provider=personas.provider, categories=ShareCategory.values
    )
    reading = services.add_reading(
        patient=personas.patient,
        measured_at=timezone.now() - timedelta(hours=2),
        systolic=185,
        diastolic=121,
        context="home",
    )
    return {"share": share, "shared_patient": personas.patient, "shared_flag": reading.flags.get()}


# --- Exports and data rights --------------------------------------------------------------

EXPORT_NOTE = 'Felt "floaty", then fine;\nnext day: ok — café ☕'
FORMULA_NOTE = '=HYPERLINK("http://evil.example","x")'


def export_journal(patient, *, days_ago: int = 3) -> dict[str, object]:
    """A small journal with the awkward values exports must keep: zeros, empty optionals,
    unicode, commas, quotes, newlines, a formula-looking note and an alarming reading."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from journal import services

    started = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    session = services.log_session(
        patient=patient,
        started_at=started,
        route="intranasal",
        dose_mg=Decimal("56.00"),
        note="Clinic note, private",
    )
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=started + timedelta(hours=3),
        mood=0,
        ratings={"dissociation": 0, "nausea": 3, "headache": 1, "taste": 4},
        overall_bother=0,
        readings=(
            services.ReadingInput(started - timedelta(minutes=5), 185, 95, "before", pulse=72),
            services.ReadingInput(started + timedelta(minutes=40), 150, 92, "after40"),
        ),
        note=EXPORT_NOTE,
        note_shareable=True,
    )
    checkin = services.log_checkin(
        patient=patient,
        recorded_at=started + timedelta(days=1),
        mood=5,
        anxiety=0,
        pain=None,
        ratings={"urinary": 2, "cravings": 0},
        note=FORMULA_NOTE,
        note_shareable=False,
    )
    phq9 = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[0, 1, 2, 3, 0, 1, 2, 0, 1],
        difficulty=2,
        completed_at=started + timedelta(days=1, hours=1),
    )
    gad7 = services.submit_questionnaire(
        patient=patient,
        instrument="gad7",
        answers=[0, 0, 0, 0, 0, 0, 0],
        difficulty=None,
        completed_at=started + timedelta(days=1, hours=2),
    )
    return {
        "session": session,
        "report": report,
        "checkin": checkin,
        "phq9": phq9,
        "gad7": gad7,
    }


# --- Sharing and provider workspace (journal in every category) ---------------------------

PRIVATE_NOTE = "Private: argued with my sister"
SHAREABLE_NOTE = "Shareable: slept badly after the session"


def journal_in_every_category(patient, *, at=None) -> dict[str, object]:
    """A session with a report (side effects, a 185/121 reading, a shareable note), a low-mood
    check-in with a private note, and a PHQ-9: one record and one flag in each category."""
    from datetime import timedelta

    from django.utils import timezone

    from journal import services

    at = at or timezone.now() - timedelta(days=2)
    session = services.log_session(patient=patient, started_at=at, route="intranasal")
    report = services.submit_report(
        patient=patient,
        session=session,
        reported_at=at + timedelta(hours=2),
        mood=6,
        ratings={"nausea": 3, "headache": 1},
        overall_bother=2,
        readings=(services.ReadingInput(at + timedelta(minutes=40), 185, 121, "after40"),),
        note=SHAREABLE_NOTE,
        note_shareable=True,
    )
    checkin = services.log_checkin(
        patient=patient,
        recorded_at=at + timedelta(hours=20),
        mood=1,
        anxiety=7,
        ratings={"urinary": 1},
        note=PRIVATE_NOTE,
        note_shareable=False,
    )
    phq9 = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[1, 1, 1, 1, 1, 1, 1, 1, 0],
        completed_at=at + timedelta(hours=21),
    )
    return {"session": session, "report": report, "checkin": checkin, "phq9": phq9}


# --- Flag rules (plain values: the rule module never sees a database row) ------------------


def every_flag(t: Thresholds) -> list[FlagResult]:
    """Fired results of every flag rule, from inputs that trip them: one reading in each
    context (before dose, 40 min after, discharge, home), a report, a check-in, a PHQ-9 and a
    GAD-7 that trip every rule they feed, and sustained low mood by both of its paths."""
    from datetime import date, timedelta

    from journal import flags

    reading = flags.ReadingData
    before = reading(127, 86, "before")
    results: list[FlagResult] = []
    for context in ("before", "after40", "discharge", "home"):
        results += flags.reading_flags(reading(185, 121, context, pulse=130), before, t)
    results += flags.reading_flags(reading(150, 95, "before", pulse=45), None, t)
    report = flags.ReportData(
        mood=1,
        overall_bother=4,
        ratings={
            "dissociation": 4,
            "nausea": 3,
            "headache": 2,
            "dissociation_now": 1,
            "breathing_waking": 1,
            "drove": 1,
        },
        hours_after_start=4.5,
        session="2 Dec IV session",
    )
    results += flags.report_flags(report, t)
    checkin = {"cravings": 2, "use_outside": 1, "urinary": 3, "blood_in_urine": 1, "memory": 2}
    results += flags.checkin_flags(1, checkin, t, urinary_history=[1, 2, 3])
    results += flags.questionnaire_flags("phq9", [3] * 9, 27, t, previous=20, baseline=10)
    results += flags.questionnaire_flags("gad7", [3] * 7, 21, t)
    today = date(2026, 3, 2)
    low = {today: 1.0, today - timedelta(1): 2.0}
    drop = {today - timedelta(n): 4.0 for n in range(3)}
    drop |= {today - timedelta(n): 7.0 for n in range(7, 14)}
    for days in (low, drop):
        result = flags.sustained_low_mood(flags.MoodHistory(today, days), t)
        results += [result] if result else []
    return results
