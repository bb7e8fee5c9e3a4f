"""Clinic contact numbers: no patient is enrolled until the clinic phone and the after-hours
number are set, and every safety notice a patient sees gives both (with the crisis and
emergency numbers) as links a phone can dial."""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.management.commands.seed_demo import DEMO_ACCOUNTS
from journal.models import ClinicSettings, Invitation, Role, User
from journal.services.accounts import CONTACTS_IN_USE, CONTACTS_MISSING
from tests.conftest import AFTER_HOURS_PHONE, CLINIC_PHONE, client_for, enroll

pytestmark = pytest.mark.django_db

PHONE = "555-0120"
AFTER_HOURS = "+1 555 0121"
MISSING = "Patients cannot be enrolled yet."
SETTINGS_URL = reverse("admin:journal_clinicsettings_change", args=[1])

# The clinic settings a half-finished set-up can leave: one number or none.
INCOMPLETE = {
    "neither number": {},
    "no after-hours number": {"clinic_phone": PHONE},
    "no clinic phone": {"after_hours_phone": AFTER_HOURS},
}


def visible(response) -> str:
    """The page's words as a reader meets them: tags removed, whitespace collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", words)


@pytest.fixture
def setup_admin(settings) -> User:
    """The first clinic admin of a clinic whose settings name no phone numbers yet."""
    settings.CLINIC_PHONE = settings.CLINIC_AFTER_HOURS_PHONE = ""
    return enroll("setup@clinic.test", Role.ADMIN, "Sol Setup")


def _set_numbers(admin: User, values: dict[str, str]) -> None:
    services.update_clinic_settings(actor=admin, values=values)


def _new_patient(admin: User, email: str = "new@clinic.test") -> User:
    user, _ = services.create_account(
        actor=admin, email=email, display_name="New Patient", role=Role.PATIENT
    )
    return user


def _blank_numbers_behind_the_rule(**values: str) -> None:
    """A clinic whose patients were enrolled before numbers were required: the console can
    no longer blank a number while patients exist, so the row is written directly."""
    ClinicSettings.objects.filter(pk=ClinicSettings.load().pk).update(**values)


# --- The service refuses, for patients only -------------------------------------------------


@pytest.mark.parametrize("values", INCOMPLETE.values(), ids=INCOMPLETE.keys())
def test_a_patient_cannot_be_enrolled_until_both_numbers_are_set(setup_admin, values) -> None:
    _set_numbers(setup_admin, values)
    invitations = Invitation.objects.count()
    with pytest.raises(ValidationError) as refused:
        _new_patient(setup_admin)
    assert refused.value.messages == [CONTACTS_MISSING]
    assert not User.objects.filter(email="new@clinic.test").exists()
    assert Invitation.objects.count() == invitations


def test_with_both_numbers_a_patient_is_enrolled_and_emailed_a_link(
    setup_admin, django_capture_on_commit_callbacks
) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE, "after_hours_phone": AFTER_HOURS})
    with django_capture_on_commit_callbacks(execute=True):
        patient = _new_patient(setup_admin)
    assert patient.role == Role.PATIENT and not patient.has_enrolled
    assert [m.to for m in mail.outbox] == [["new@clinic.test"]]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.ADMIN])
def test_staff_can_be_enrolled_before_the_numbers_are_set(setup_admin, role) -> None:
    # Providers and admins need their accounts to finish setting the clinic up.
    user, link = services.create_account(
        actor=setup_admin, email="staff@clinic.test", display_name="Staff", role=role
    )
    assert user.role == role and "/enroll/" in link


def test_a_new_link_for_a_patient_is_refused_while_a_number_is_missing(setup_admin) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE, "after_hours_phone": AFTER_HOURS})
    patient = _new_patient(setup_admin)
    _blank_numbers_behind_the_rule(after_hours_phone="")
    before = Invitation.objects.filter(user=patient).count()
    with pytest.raises(ValidationError) as refused:
        services.issue_invitation(actor=setup_admin, user=patient)
    assert refused.value.messages == [CONTACTS_MISSING]
    assert Invitation.objects.filter(user=patient).count() == before


def test_an_account_cannot_become_a_patient_while_a_number_is_missing(setup_admin) -> None:
    provider, _ = services.create_account(
        actor=setup_admin, email="dr@clinic.test", display_name="Dr", role=Role.PROVIDER
    )
    with pytest.raises(ValidationError, match="after-hours number"):
        services.change_role(actor=setup_admin, user=provider, role=Role.PATIENT)
    provider.refresh_from_db()
    assert provider.role == Role.PROVIDER


@pytest.mark.parametrize("name", ["clinic_phone", "after_hours_phone"])
def test_a_number_patients_rely_on_cannot_be_blanked(clinic_admin, name) -> None:
    with pytest.raises(ValidationError) as refused:
        services.update_clinic_settings(actor=clinic_admin, values={name: "  "})
    assert refused.value.message_dict == {name: [CONTACTS_IN_USE]}
    services.update_clinic_settings(actor=clinic_admin, values={name: "555-0188"})
    assert getattr(ClinicSettings.load(), name) == "555-0188"


def test_before_any_patient_exists_a_number_can_still_be_cleared(setup_admin) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE, "after_hours_phone": AFTER_HOURS})
    _set_numbers(setup_admin, {"after_hours_phone": ""})
    assert not ClinicSettings.load_thresholds().contacts_complete


# --- The console: refusal message and warning banner -----------------------------------------


def _console_add(client, role: str):
    return client.post(
        reverse("admin:journal_user_add"),
        {"email": "nova@clinic.test", "display_name": "Nova", "role": role, "time_zone": "UTC"},
        follow=True,
    )


@pytest.mark.parametrize("values", INCOMPLETE.values(), ids=INCOMPLETE.keys())
def test_the_console_refuses_to_enroll_a_patient_and_says_why(setup_admin, values) -> None:
    _set_numbers(setup_admin, values)
    response = _console_add(client_for(setup_admin), "patient")
    assert response.status_code == 200
    assert CONTACTS_MISSING in visible(response)
    assert not User.objects.filter(email="nova@clinic.test").exists()
    assert not mail.outbox


def test_the_console_enrolls_a_provider_before_the_numbers_are_set(setup_admin) -> None:
    response = _console_add(client_for(setup_admin), "provider")
    assert "Enrollment link emailed to nova@clinic.test" in visible(response)
    assert User.objects.get(email="nova@clinic.test").role == Role.PROVIDER


def test_the_console_enrolls_a_patient_once_both_numbers_are_set(setup_admin) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE, "after_hours_phone": AFTER_HOURS})
    response = _console_add(client_for(setup_admin), "patient")
    assert "Enrollment link emailed to nova@clinic.test" in visible(response)
    assert User.objects.get(email="nova@clinic.test").role == Role.PATIENT


def test_the_consoles_resend_action_refuses_with_the_reason(setup_admin) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE, "after_hours_phone": AFTER_HOURS})
    patient = _new_patient(setup_admin)
    _blank_numbers_behind_the_rule(clinic_phone="")
    mail.outbox.clear()
    response = client_for(setup_admin).post(
        reverse("admin:journal_user_changelist"),
        {"action": "resend_enrollment", "_selected_action": [patient.pk]},
        follow=True,
    )
    page = visible(response)
    assert f"{patient.email}: {CONTACTS_MISSING}".lower() in page.lower()
    assert '<li class="error">' in response.content.decode()
    assert "New enrollment link emailed" not in page
    assert Invitation.objects.filter(user=patient).count() == 1 and not mail.outbox


@pytest.mark.parametrize(
    "page", [reverse("admin:index"), reverse("admin:journal_user_add"), "/clinic/"]
)
def test_console_pages_warn_and_link_to_clinic_settings_while_a_number_is_missing(
    setup_admin, page
) -> None:
    _set_numbers(setup_admin, {"clinic_phone": PHONE})
    client = client_for(setup_admin)
    response = client.get(page)
    assert MISSING in visible(response)
    assert f'href="{SETTINGS_URL}"' in response.content.decode()
    _set_numbers(setup_admin, {"after_hours_phone": AFTER_HOURS})
    assert MISSING not in visible(client.get(page))


def test_the_settings_page_refuses_to_blank_a_number_patients_rely_on(clinic_admin) -> None:
    client = client_for(clinic_admin)
    form = client.get(SETTINGS_URL).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["after_hours_phone"] = ""
    response = client.post(SETTINGS_URL, data)
    assert response.status_code == 200
    assert CONTACTS_IN_USE in visible(response)
    assert ClinicSettings.load().after_hours_phone == AFTER_HOURS_PHONE


# --- Safety notices --------------------------------------------------------------------------


def _self_harm_result(patient: User) -> str:
    response = services.submit_questionnaire(
        patient=patient,
        instrument="phq9",
        answers=[0, 0, 0, 0, 0, 0, 0, 0, 1],
        completed_at=timezone.now().replace(microsecond=0),
    )
    return reverse("journal:questionnaire-detail", args=[response.pk])


def test_the_entry_forms_notice_gives_both_clinic_numbers_and_crisis_and_emergency(
    patient,
) -> None:
    response = client_for(patient).get(reverse("journal:checkin-create"))
    html = response.content.decode()
    assert (
        f"For urgent concerns call your clinic on {CLINIC_PHONE} (after hours: "
        f"{AFTER_HOURS_PHONE}), the crisis line on 988 (call or text), or emergency services "
        "on 911."
    ) in visible(response)
    for href in ("tel:5550110", "tel:5550111", "tel:988", "tel:911"):
        assert f'href="{href}"' in html


def test_the_crisis_card_gives_both_clinic_numbers(patient, clinic_admin) -> None:
    _set_numbers(clinic_admin, {"after_hours_phone": "+1 555 0121"})
    response = client_for(patient).get(_self_harm_result(patient))
    page = visible(response)
    assert "Support is available right now" in page
    assert (
        f"Let your care team know today: call your clinic on {CLINIC_PHONE} "
        "(after hours: +1 555 0121)."
    ) in page
    html = response.content.decode()
    for href in ("tel:5550110", "tel:+15550121", "tel:988", "tel:911"):
        assert f'href="{href}"' in html


# What a patient of a clinic missing a number reads: complete sentences, never "today." alone.
WORDING_WITHOUT = {
    "neither number": ("your clinic", {"clinic_phone": "", "after_hours_phone": ""}),
    "no after-hours number": (f"your clinic on {CLINIC_PHONE}", {"after_hours_phone": ""}),
    "no clinic phone": (
        f"your clinic's after-hours line on {AFTER_HOURS_PHONE}",
        {"clinic_phone": ""},
    ),
}


@pytest.mark.parametrize(("who", "blanked"), WORDING_WITHOUT.values(), ids=WORDING_WITHOUT.keys())
def test_a_missing_number_still_leaves_complete_calm_sentences(patient, who, blanked) -> None:
    _blank_numbers_behind_the_rule(**blanked)
    client = client_for(patient)
    form = visible(client.get(reverse("journal:reading-create")))
    assert (
        f"For urgent concerns call {who}, the crisis line on 988 (call or text), or emergency "
        "services on 911."
    ) in form
    card = visible(client.get(_self_harm_result(patient)))
    assert f"Let your care team know today: call {who}." in card
    assert "know today." not in card  # the sentence once ended there when no number was set
    for page in (form, card):
        assert " on ," not in page and " on ." not in page and "()" not in page


# --- Demo data -------------------------------------------------------------------------------


def test_the_demo_clinic_has_both_numbers_and_keeps_numbers_already_set(settings) -> None:
    settings.DEBUG = True
    settings.CLINIC_PHONE, settings.CLINIC_AFTER_HOURS_PHONE = "555-0142", ""
    call_command("seed_demo", stdout=io.StringIO())
    clinic = ClinicSettings.load()
    assert clinic.clinic_phone == "555-0142"
    assert re.fullmatch(r"555-01\d\d", clinic.after_hours_phone)
    # Patients were enrolled (the numbers were there when they needed them).
    patients = [email for email, _, role, _ in DEMO_ACCOUNTS if role == Role.PATIENT]
    assert set(User.objects.filter(role=Role.PATIENT).values_list("email", flat=True)) == set(
        patients
    )
