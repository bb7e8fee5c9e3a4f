"""Patient pages: home (next step, open flags, recent entries)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from journal.journal_queries import current_thresholds, flag_views, next_steps, recent_entries
from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    TreatmentSession,
)
from journal.permissions import owned_by, patient_required

HOME_FLAGS = 5


@patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    sessions = owned_by(user, TreatmentSession.objects.all())
    checkins = owned_by(user, CheckIn.objects.all())
    feed = recent_entries(
        sessions=sessions,
        reports=owned_by(user, PostSessionReport.objects.all()),
        checkins=checkins,
        readings=owned_by(user, BloodPressureReading.objects.all()),
        questionnaires=owned_by(user, QuestionnaireResponse.objects.all()),
        page_number=request.GET.get("page"),
    )
    open_flags = owned_by(user, Flag.objects.filter(acknowledged_at__isnull=True))
    return render(
        request,
        "journal/patient_home.html",
        {
            **next_steps(user, checkins, sessions),
            "open_flags": flag_views(
                open_flags.order_by("-raised_at", "-id")[:HOME_FLAGS], current_thresholds()
            ),
            "feed": feed,
        },
    )
