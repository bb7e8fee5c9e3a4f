"""Patient pages: home (the next step, current flags, the 30-day trend in a sentence), every
entry newest first, and the "Log something" page."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from journal.catalogue import QUESTIONNAIRES
from journal.forms.journal import STARTED_EARLIER
from journal.http import AuthenticatedHttpRequest
from journal.models import (
    BloodPressureReading,
    CheckIn,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
)
from journal.permissions import owned_by, patient_required
from journal.reads.patient import (
    current_flags,
    flag_views,
    home_summary,
    next_step_list,
    next_steps,
    recent_entries,
    unreported_sessions,
)

HOME_FLAGS = 5


@patient_required
def patient_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """What to do now first, then current flags and the trend in a sentence; the chart, the
    tables and every entry are one tap away (Trends, "Everything you recorded")."""
    user = request.user
    sessions = owned_by(user, TreatmentSession.objects.all())
    checkins = owned_by(user, CheckIn.objects.all())
    # Only current flags (open, since the last session or the last 7 days); the rest, and
    # those the care team has seen, are on the Flags page.
    current_rows = list(owned_by(user, current_flags(user)).select_related("acknowledged_by"))
    summary = home_summary(user)
    steps = next_step_list(
        **next_steps(user, checkins, sessions),
        due_questionnaire=summary.due_questionnaire(timezone.now()),
    )
    return render(
        request,
        "journal/patient_home.html",
        {
            # The one thing to do now first; the others one tap away below it.
            "next_step": steps[0] if steps else None,
            "other_steps": steps[1:],
            "latest_flags": flag_views(current_rows[:HOME_FLAGS]),
            "more_current_flags": max(0, len(current_rows) - HOME_FLAGS),
            "summary": summary,
            "started_earlier": STARTED_EARLIER,
        },
    )


@patient_required
def entry_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every kind of entry the patient recorded, newest first, 20 a page."""
    user = request.user
    feed = recent_entries(
        sessions=owned_by(user, TreatmentSession.objects.all()),
        reports=owned_by(user, PostSessionReport.objects.all()),
        checkins=owned_by(user, CheckIn.objects.all()),
        readings=owned_by(user, BloodPressureReading.objects.all()),
        questionnaires=owned_by(user, QuestionnaireResponse.objects.all()),
        page_number=request.GET.get("page"),
    )
    return render(request, "journal/entry_list.html", {"feed": feed})


@patient_required
def log_something(request: AuthenticatedHttpRequest) -> HttpResponse:
    sessions = owned_by(request.user, TreatmentSession.objects.all())
    return render(
        request,
        "journal/log_something.html",
        {
            "unreported_sessions": unreported_sessions(sessions),
            "questionnaires": list(QUESTIONNAIRES.values()),
        },
    )
