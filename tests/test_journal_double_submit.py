"""Double-submit protection on every form a patient or provider writes with: a double tap, a
replayed POST or Back-and-resubmit writes once and is sent to what the first POST saved."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from journal.models import (
    AuditEvent,
    BloodPressureReading,
    CheckIn,
    PostSessionReport,
    QuestionnaireResponse,
    Share,
    ShareEvent,
    SubmissionToken,
    TreatmentSession,
    User,
)
from tests.conftest import PASSWORD, client_for
from tests.factories import journal_world, sharing_world
from tests.test_journal_views import ago, when

pytestmark = pytest.mark.django_db

TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')


def form_token(client: Client, url: str) -> str:
    """The submission token inside the form the page at `url` renders."""
    page = client.get(url)
    assert page.status_code == 200, url
    match = TOKEN_RE.search(page.content.decode())
    assert match, f"the form at {url} must carry a submission token"
    return match.group(1)


@pytest.fixture
def world(personas) -> dict[str, object]:
    return journal_world(personas)


# --- Creating: one record, both answers redirect to it --------------------------------------


def _session(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    data = {**when("started_at", ago(hours=3)), "route": "intranasal", "dose_mg": "56"}
    return reverse("journal:session-create"), data


def _checkin(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    return reverse("journal:checkin-create"), {**when("recorded_at", ago(minutes=5)), "mood": "6"}


def _reading(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    data = {
        **when("measured_at", ago(minutes=10)),
        "context": "home",
        "systolic": "128",
        "diastolic": "82",
    }
    return reverse("journal:reading-create"), data


def _questionnaire(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    data = {f"item_{i}": "1" for i in range(7)}
    return reverse("journal:questionnaire-create", args=["gad7"]), data


def _report(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    session = world["journal_session_unreported"]
    data = {
        **when("reported_at", ago(minutes=5)),
        "mood": "6",
        "readings-TOTAL_FORMS": "3",
        "readings-INITIAL_FORMS": "0",
        "readings-MIN_NUM_FORMS": "0",
        "readings-MAX_NUM_FORMS": "3",
    }
    return reverse("journal:report-create", args=[session.pk]), data


def _session_report(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    data = {
        **when("started_at", ago(hours=2)),
        "route": "iv",
        "mood": "6",
        "readings-TOTAL_FORMS": "3",
        "readings-INITIAL_FORMS": "0",
        "readings-MIN_NUM_FORMS": "0",
        "readings-MAX_NUM_FORMS": "3",
    }
    return reverse("journal:session-report-create"), data


def _share(patient: User, world: dict) -> tuple[str, dict[str, str]]:
    provider = User.objects.get(email="dr.prov@clinic.test")
    return reverse("journal:share-create"), {"provider": str(provider.pk), "mood": "on"}


CREATE_VIEWS: dict[str, tuple[Callable, type, Callable[[object], str]]] = {
    "session": (
        _session,
        TreatmentSession,
        lambda o: reverse("journal:session-detail", args=[o.pk]),
    ),
    "checkin": (_checkin, CheckIn, lambda o: reverse("journal:checkin-detail", args=[o.pk])),
    "reading": (
        _reading,
        BloodPressureReading,
        lambda o: reverse("journal:reading-detail", args=[o.pk]),
    ),
    "questionnaire": (
        _questionnaire,
        QuestionnaireResponse,
        lambda o: reverse("journal:questionnaire-detail", args=[o.pk]),
    ),
    "report": (
        _report,
        PostSessionReport,
        lambda o: reverse("journal:report-detail", args=[o.pk]),
    ),
    "session_report": (
        _session_report,
        PostSessionReport,
        lambda o: reverse("journal:report-detail", args=[o.pk]),
    ),
    "share": (_share, Share, lambda o: reverse("journal:share-list")),
}


@pytest.mark.parametrize("kind", sorted(CREATE_VIEWS))
def test_a_double_post_with_one_token_creates_one_record_and_both_answers_redirect_to_it(
    kind: str, patient: User, world: dict
) -> None:
    build, model, result_url = CREATE_VIEWS[kind]
    url, data = build(patient, world)
    client = client_for(patient)
    before = model.objects.filter(patient=patient).count()
    data["submission_token"] = form_token(client, url)

    first = client.post(url, data)
    second = client.post(url, data)

    created = model.objects.filter(patient=patient).order_by("-pk")
    assert created.count() == before + 1
    expected = result_url(created.first())
    assert (first.status_code, first["Location"]) == (302, expected)
    assert (second.status_code, second["Location"]) == (302, expected)
    page = client.get(second["Location"])
    assert "This was already saved; here it is." in page.content.decode()


def test_a_form_sent_back_with_errors_can_be_sent_again_with_the_same_token(patient) -> None:
    client = client_for(patient)
    url = reverse("journal:checkin-create")
    token = form_token(client, url)
    bad = client.post(url, {**when("recorded_at", ago(minutes=5)), "submission_token": token})
    assert bad.status_code == 200 and not CheckIn.objects.exists()
    good = client.post(
        url, {**when("recorded_at", ago(minutes=5)), "mood": "4", "submission_token": token}
    )
    assert good.status_code == 302 and CheckIn.objects.count() == 1


# --- Editing: Back-and-resubmit does not apply the edit twice -------------------------------

EDITS = {
    "session": ("journal_session", "started_at", {"route": "im", "dose_mg": "40"}),
    "checkin": ("journal_checkin", "recorded_at", {"mood": "8"}),
    "reading": (
        "journal_reading",
        "measured_at",
        {"context": "home", "systolic": "131", "diastolic": "85"},
    ),
    "questionnaire": ("journal_questionnaire", None, {f"item_{i}": "2" for i in range(9)}),
    "report": ("journal_report", "reported_at", {"mood": "3"}),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_back_and_resubmit_after_an_edit_leaves_the_version_unchanged(
    kind: str, patient: User, world: dict
) -> None:
    key, time_field, changes = EDITS[kind]
    entry = world[key]
    url = reverse(f"journal:{kind}-edit", args=[entry.pk])
    client = client_for(patient)
    data = {**changes, "version": "1", "submission_token": form_token(client, url)}
    if time_field:
        data.update(when(time_field, getattr(entry, time_field)))

    first = client.post(url, data)
    entry.refresh_from_db()
    assert first.status_code == 302 and entry.version == 2
    # Back to the filled-in form, Send again: redirected to the entry, no conflict, no third
    # version (without the token this would be a stale-version 409).
    replay = client.post(url, data)
    entry.refresh_from_db()
    assert (replay.status_code, replay["Location"]) == (302, first["Location"])
    assert entry.version == 2


def test_a_replayed_delete_is_redirected_instead_of_not_found(patient, world) -> None:
    reading = world["journal_reading"]
    client = client_for(patient)
    url = reverse("journal:reading-delete", args=[reading.pk])
    data = {"submission_token": form_token(client, url)}
    first, second = client.post(url, data), client.post(url, data)
    assert first["Location"] == second["Location"] == reverse("journal:reading-list")
    assert not BloodPressureReading.objects.filter(pk=reading.pk).exists()


@pytest.mark.parametrize("kind", ["session", "report", "checkin", "reading", "questionnaire"])
def test_every_delete_confirmation_carries_a_token(kind: str, patient, world) -> None:
    key = {"session": "journal_session", "report": "journal_report"}.get(kind, f"journal_{kind}")
    form_token(client_for(patient), reverse(f"journal:{kind}-delete", args=[world[key].pk]))


# --- Sharing, flag acknowledgement, account deletion ----------------------------------------


def test_editing_and_revoking_a_share_twice_records_each_once(personas) -> None:
    share = sharing_world(personas)["share"]
    client = client_for(personas.patient)
    edit_url = reverse("journal:share-edit", args=[share.pk])
    data = {"mood": "on", "submission_token": form_token(client, edit_url)}
    assert client.post(edit_url, data).status_code == 302
    assert client.post(edit_url, data).status_code == 302
    revoke_url = reverse("journal:share-revoke", args=[share.pk])
    data = {"submission_token": form_token(client, revoke_url)}
    first, second = client.post(revoke_url, data), client.post(revoke_url, data)
    assert first["Location"] == second["Location"] == reverse("journal:share-list")
    assert ShareEvent.objects.filter(share=share, action="revoked").count() == 1
    assert SubmissionToken.objects.filter(completed_at__isnull=False).count() == 2


def test_a_double_acknowledgement_is_one_acknowledgement_and_both_redirect(personas) -> None:
    flag = sharing_world(personas)["shared_flag"]
    client = client_for(personas.provider)
    page = reverse("journal:provider-patient", args=[personas.patient.pk])
    data = {"submission_token": form_token(client, page), "disposition": "reviewed"}
    url = reverse("journal:provider-flag-acknowledge", args=[flag.pk])
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    flag.refresh_from_db()
    assert flag.acknowledged_by == personas.provider and flag.disposition == "reviewed"
    assert SubmissionToken.objects.get(user=personas.provider).completed_at is not None


def test_account_deletion_redirects_and_a_resubmission_writes_nothing(patient) -> None:
    client = client_for(patient)
    url = reverse("journal:account-delete")
    data = {"password": PASSWORD, "understood": "on", "submission_token": form_token(client, url)}
    first = client.post(url, data)
    assert (first.status_code, first["Location"]) == (302, reverse("login"))
    claim = SubmissionToken.objects.get(user=patient)
    assert claim.result_url == reverse("login") and claim.completed_at is not None
    # Logged out now: the resubmission is sent to log in and nothing is written again.
    second = client.post(url, data)
    assert second.status_code == 302 and second["Location"].startswith(reverse("login"))
    requested = AuditEvent.objects.filter(action="account.erasure_requested", subject=patient)
    assert requested.count() == 1


def test_every_write_view_is_wrapped_in_idempotent() -> None:
    from django.urls import resolve

    urls = [
        *(
            reverse(f"journal:{kind}-{verb}", args=[1])
            for kind in EDITS
            for verb in ("edit", "delete")
        ),
        *(reverse(f"journal:{kind}-create") for kind in ("session", "checkin", "reading", "share")),
        reverse("journal:report-create", args=[1]),
        reverse("journal:questionnaire-create", args=["phq9"]),
        reverse("journal:share-edit", args=[1]),
        reverse("journal:share-revoke", args=[1]),
        reverse("journal:provider-flag-acknowledge", args=[1]),
        reverse("journal:account-delete"),
    ]
    for url in urls:
        assert _wrapped_by_idempotent(resolve(url).func), url


def _wrapped_by_idempotent(view: Callable) -> bool:
    while view is not None:
        if view.__code__.co_filename.endswith("journal/idempotency.py"):
            return True
        view = getattr(view, "__wrapped__", None)
    return False
