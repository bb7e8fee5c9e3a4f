"""The provider's patient summary at a glance: facts per shared category, read from the same
chart data as the charts; entries collapsed and paginated; flags acknowledged in bulk (all or
nothing, audited, 404 outside the share) and in place (a fragment for a script)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from journal import permissions, services
from journal.models import AuditEvent, Flag, ShareCategory
from journal.timefmt import zone_label
from tests.conftest import client_for
from tests.factories import journal_in_every_category

pytestmark = pytest.mark.django_db

ALL = ShareCategory.values


def _summary(provider, patient, **query) -> str:
    url = reverse("journal:provider-patient", args=[patient.pk])
    response = client_for(provider).get(url, query)
    assert response.status_code == 200
    return response.content.decode()


def _glance(body: str) -> str:
    return body[body.index('id="glance"') : body.index('id="flags"')]


def _local(patient, days_ago: int, hour: int) -> datetime:
    day = permissions.patient_today(patient) - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), tzinfo=patient.zone)


def _severe_reading(patient, hours_ago: float) -> Flag:
    reading = services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(hours=hours_ago),
        systolic=185,
        diastolic=121,
        context="home",
    )
    return Flag.objects.get(reading=reading)


# --- Facts --------------------------------------------------------------------------------


def test_the_facts_follow_the_shared_categories(patient, provider) -> None:
    entries = journal_in_every_category(patient, at=timezone.now() - timedelta(days=3))
    services.add_reading(
        patient=patient,
        measured_at=entries["session"].started_at - timedelta(minutes=10),
        systolic=128,
        diastolic=82,
        context="before",
        session=entries["session"],
    )
    share = services.grant_share(patient=patient, provider=provider, categories=ALL)
    glance = _glance(_summary(provider, patient))
    assert "Last session&#x27;s BP" in glance
    assert "128/82 before dose; 185/121 about 40 minutes after dose (flagged)" in glance
    assert "Mean overall bother after sessions 2.0 (Moderate) of 4 over 1 report" in glance
    checkin = entries["checkin"].recorded_at
    stamp = f"{checkin.astimezone(patient.zone):%Y-%m-%d %H:%M} {zone_label(checkin, patient.zone)}"
    assert f"{stamp}, mood 1 out of 10." in glance
    assert "out of 10 on average over the last 90 days" in glance
    assert "Open flags" in glance and "urgent" in glance

    # Blood pressure only: its fact, and nothing of mood or side effects.
    services.update_share(
        patient=patient, share=share, categories=["blood_pressure"], starts_on=None, expires_on=None
    )
    glance = _glance(_summary(provider, patient))
    assert "128/82 before dose" in glance
    for absent in ("Mood</dt>", "Last check-in", "Side-effect burden", "mood 1 out of 10"):
        assert absent not in glance, absent

    # Mood only: mood and the last check-in, no blood pressure, no burden.
    services.update_share(
        patient=patient, share=share, categories=["mood"], starts_on=None, expires_on=None
    )
    glance = _glance(_summary(provider, patient))
    assert "Last check-in" in glance and "Mood</dt>" in glance
    assert "Last session&#x27;s BP" not in glance and "Side-effect burden" not in glance


def test_the_burden_is_compared_with_the_period_before(patient, provider) -> None:
    for days_ago, bother in [(40, 3), (45, 3), (10, 1)]:
        at = timezone.now() - timedelta(days=days_ago)
        session = services.log_session(patient=patient, started_at=at, route="intranasal")
        services.submit_report(
            patient=patient,
            session=session,
            reported_at=at + timedelta(hours=2),
            mood=6,
            ratings={},
            overall_bother=bother,
        )
    services.grant_share(patient=patient, provider=provider, categories=["side_effects"])
    glance = _glance(_summary(provider, patient, period="30"))
    assert (
        "Mean overall bother after sessions 1.0 (Mild) of 4 over 1 report in the last 30 days, "
        "lower than in the 30 days before (3.0 over 2)."
    ) in glance


def test_the_facts_and_the_mood_chart_state_the_same_mean(patient, provider) -> None:
    # Three low entries on one day, one high entry on another: per entry the mean is 3.5,
    # per day (the charts' definition) it is 5.0.
    for hour in (9, 12, 15):
        services.log_checkin(patient=patient, recorded_at=_local(patient, 5, hour), mood=2)
    services.log_checkin(patient=patient, recorded_at=_local(patient, 3, 12), mood=8)
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    body = _summary(provider, patient, period="30")
    glance = _glance(body)
    assert "5.0 out of 10 on average over the last 30 days" in glance
    assert "3.5" not in body
    charts = body[body.index('id="charts-heading"') :]
    assert "average daily mood was 5.0 out of 10 (2 days with entries)" in charts


# --- Entries ------------------------------------------------------------------------------


def test_an_entries_table_is_collapsed_and_paginated(patient, provider) -> None:
    for n in range(25):
        services.log_checkin(
            patient=patient, recorded_at=timezone.now() - timedelta(hours=3 * n + 1), mood=5
        )
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    first = _summary(provider, patient)
    table = first[first.index('id="entries-mood"') :]
    table = table[: table.index("</details>")]
    assert table.count("<td>Check-in</td>") == 20
    assert "Mood scores, every entry (25)" in table
    assert not re.search(r'id="entries-mood"[^>]* open', first)  # collapsed
    assert "Page 1 of 2" in table and "mood_page=2" in table
    second = _summary(provider, patient, mood_page=2)
    table = second[second.index('id="entries-mood"') :]
    table = table[: table.index("</details>")]
    assert table.count("<td>Check-in</td>") == 5
    assert re.search(r'id="entries-mood" open', second)  # the table asked for is open


def test_blood_pressure_rows_are_listed_once(patient, provider) -> None:
    services.add_reading(
        patient=patient,
        measured_at=timezone.now() - timedelta(hours=5),
        systolic=131,
        diastolic=77,
        context="home",
    )
    services.grant_share(patient=patient, provider=provider, categories=["blood_pressure"])
    assert _summary(provider, patient).count("131/77") == 1  # in the chart's table


# --- Acknowledging several flags -----------------------------------------------------------


def test_bulk_acknowledgement_is_audited_per_flag(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    flags = [_severe_reading(patient, hours_ago=h) for h in (2, 4)]
    url = reverse("journal:provider-flags-acknowledge", args=[patient.pk])
    data = {
        "flag": [f.pk for f in flags],
        "disposition": "contacted",
        "note": "Called",
        "period": "30",
    }
    response = client_for(provider).post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/provider/patients/{patient.pk}/?period=30#flags")
    for flag in flags:
        flag.refresh_from_db()
        assert (flag.acknowledged_by, flag.disposition) == (provider, "contacted")
    audited = AuditEvent.objects.filter(action="flag.acknowledge", actor=provider)
    assert sorted(e.detail["flag_id"] for e in audited) == sorted(f.pk for f in flags)
    assert "Called" not in str([e.detail for e in audited])


def test_flags_beyond_the_first_five_are_ticked_not_each_given_a_form(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    flags = [_severe_reading(patient, hours_ago=h) for h in range(1, 9)]
    body = _summary(provider, patient)
    more = body[
        body.index('id="flags-more"') : body.index("</details>", body.index('id="flags-more"'))
    ]
    assert "3 more open flags" in more
    ticked = re.findall(r'name="flag" value="(\d+)" form="flag-bulk-form"', more)
    assert sorted(int(pk) for pk in ticked) == sorted(f.pk for f in flags[5:])
    assert "Acknowledge only this" not in more and "<form" not in more
    # The five in view keep their own form; the bulk form counts all eight.
    assert body.count("Acknowledge only this") == 5 and "8 open." in body


def test_bulk_acknowledgement_is_all_or_nothing(patient, other_patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    mine = _severe_reading(patient, hours_ago=2)
    not_shared = _severe_reading(other_patient, hours_ago=2)
    url = reverse("journal:provider-flags-acknowledge", args=[patient.pk])
    data = {"flag": [mine.pk, not_shared.pk], "disposition": "reviewed"}
    assert client_for(provider).post(url, data).status_code == 404
    # A flag outside the share, passed to the service itself: nothing either.
    with pytest.raises(PermissionDenied):
        services.acknowledge_flags(
            provider=provider, flags=[mine, not_shared], disposition="reviewed"
        )
    for flag in (mine, not_shared):
        flag.refresh_from_db()
        assert flag.acknowledged_at is None
    assert not AuditEvent.objects.filter(action="flag.acknowledge").exists()
    # Without a choice of flags, nothing happens and the provider is told why.
    refused = client_for(provider).post(url, {"disposition": "reviewed"}, follow=True)
    assert "Not acknowledged: choose at least one flag." in refused.content.decode()


def test_a_flag_in_an_unshared_category_answers_404(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=["mood"])
    flag = _severe_reading(patient, hours_ago=2)
    url = reverse("journal:provider-flags-acknowledge", args=[patient.pk])
    response = client_for(provider).post(url, {"flag": [flag.pk], "disposition": "reviewed"})
    assert response.status_code == 404
    flag.refresh_from_db()
    assert flag.acknowledged_at is None


# --- In place (fetch) ----------------------------------------------------------------------


def _token(body: str, action: str) -> str:
    form = body[body.index(f'action="{action}"') :]
    return re.search(r'name="submission_token" value="([^"]+)"', form).group(1)


def test_a_script_gets_the_redrawn_flags_and_a_status_message(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    flags = [_severe_reading(patient, hours_ago=h) for h in (2, 4, 6)]
    client = client_for(provider)
    page = client.get(reverse("journal:provider-patient", args=[patient.pk])).content.decode()
    url = reverse("journal:provider-flags-acknowledge", args=[patient.pk])
    assert 'class="flag-ack-form' in page and "flag_ack.js" in page
    assert page.count('form="flag-bulk-form"') == 3  # one checkbox per open flag
    data = {
        "flag": [flags[0].pk, flags[1].pk],
        "disposition": "reviewed",
        "submission_token": _token(page, url),
    }
    response = client.post(url, data, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response["X-Fragment"] == "flag-ack"
    assert response["Content-Location"].endswith(f"/provider/patients/{patient.pk}/#flags")
    fragment = response.content.decode()
    assert "<html" not in fragment
    for flag in flags[:2]:
        assert f'id="flag-{flag.pk}" data-flag-block' in fragment
    assert "Acknowledged by Dr Provider" in fragment and f"flag-{flags[2].pk}" not in fragment
    assert re.search(r'role="status"[^>]*>2 flags acknowledged\.', fragment)
    # The bulk form is redrawn with a fresh token; one open flag left, so no bulk form.
    assert 'id="flag-bulk" data-flag-block' in fragment and "flag-bulk-form" not in fragment
    # The same submission again is not a second write: it is sent to the first answer.
    again = client.post(url, data, headers={"X-Requested-With": "fetch"})
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action="flag.acknowledge").count() == 2


def test_the_single_flag_form_answers_a_script_from_the_triage_list(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    flag = _severe_reading(patient, hours_ago=2)
    url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    client = client_for(provider)
    refused = client.post(url, {"next": "triage"}, headers={"Accept": "text/html-fragment"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.content.decode()
    data = {"next": "triage", "disposition": "contacted"}
    response = client.post(url, data, headers={"Accept": "text/html-fragment"})
    body = response.content.decode()
    assert response.status_code == 200
    assert '<p class="small mb-0" data-flag-block>Acknowledged: contacted the patient.</p>' in body
    assert "Flag acknowledged." in body
    # Without a script, the triage list's form goes back to the list.
    other = _severe_reading(patient, hours_ago=3)
    plain = client.post(
        reverse("journal:provider-flag-acknowledge", args=[other.pk]),
        {"next": "triage", "disposition": "reviewed"},
    )
    assert plain["Location"] == reverse("journal:provider-home") + f"#patient-{patient.pk}"


# --- Time across zones ------------------------------------------------------------------------


def test_times_are_the_patients_with_the_zone_written_for_a_provider_elsewhere(
    patient, provider
) -> None:
    """Patient in Auckland, provider in Los Angeles: the summary and its PDF give the patient's
    local times with the zone written, never the provider's (issue 19)."""
    import io

    from pypdf import PdfReader

    provider.time_zone = "America/Los_Angeles"
    provider.save(update_fields=["time_zone"])
    patient.time_zone = "Pacific/Auckland"
    patient.save(update_fields=["time_zone"])
    at = _local(patient, days_ago=2, hour=1) + timedelta(minutes=40)
    services.add_reading(
        patient=patient, measured_at=at, systolic=186, diastolic=122, context="home"
    )
    services.log_checkin(patient=patient, recorded_at=at + timedelta(minutes=5), mood=3)
    zone = "NZDT" if at.dst() else "NZST"
    reading_stamp = f"{at:%Y-%m-%d %H:%M} {zone}"
    checkin_stamp = f"{at + timedelta(minutes=5):%Y-%m-%d %H:%M} {zone}"
    services.grant_share(patient=patient, provider=provider, categories=ALL)

    body = _summary(provider, patient, period="30")
    flags = body[body.index('id="flags"') : body.index('id="charts-heading"')]
    entries = body[body.index('id="entries"') :]
    assert reading_stamp in flags
    assert checkin_stamp in entries
    in_los_angeles = at.astimezone(ZoneInfo("America/Los_Angeles"))
    assert f"{in_los_angeles:%Y-%m-%d %H:%M}" not in body
    assert f"{at.astimezone(ZoneInfo('UTC')):%Y-%m-%d %H:%M}" not in body

    url = reverse("journal:provider-export-pdf", args=[patient.pk])
    response = client_for(provider).get(url, {"period": "30"})
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert reading_stamp in text
    assert f"{in_los_angeles:%Y-%m-%d %H:%M}" not in text
