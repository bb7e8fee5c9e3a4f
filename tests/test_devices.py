"""Devices: a person sees the sessions they are logged in with and ends any or all of them;
the clinic console logs someone out everywhere without closing the account."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from journal import services
from journal.http import network_prefix
from journal.models import AuditEvent, User, UserSession
from journal.security.sessions import DEVICE_KEY
from journal.user_agents import device_label
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
DEVICES = "journal:account-devices"


def log_in(user: User, *, agent: str = FIREFOX_LINUX, ip: str = "203.0.113.77") -> Client:
    """Log in through the log-in form from a browser with this user agent and address."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def key_of(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def row_of(client: Client) -> UserSession:
    return UserSession.objects.get(session_key=key_of(client))


def logged_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("login"))


def end_url(row: UserSession) -> str:
    return reverse("journal:account-device-end", args=[row.pk])


# --- Recording ------------------------------------------------------------------------------


def test_logging_in_records_the_device_under_the_final_session_key(patient):
    client = log_in(patient, agent=FIREFOX_LINUX, ip="203.0.113.77")
    row = UserSession.objects.get(user=patient)
    assert row.session_key == key_of(client)
    assert Session.objects.filter(session_key=row.session_key).exists()
    assert row.user_agent == FIREFOX_LINUX
    assert row.ip_prefix == "203.0.113.0/24"


def test_a_second_login_from_another_browser_shows_two_devices(patient):
    first = log_in(patient, agent=FIREFOX_LINUX)
    log_in(patient, agent=SAFARI_IPHONE, ip="198.51.100.9")
    response = first.get(reverse(DEVICES))
    assert response.status_code == 200
    assert [d.label for d in response.context["devices"]] == [
        "Firefox on Linux",
        "Safari on iPhone",
    ]
    page = response.content.decode()
    assert page.count("This device") == 1
    assert "198.51.100.0/24" in page and "Approximate network" in page
    assert "198.51.100.9" not in page and "203.0.113.77" not in page


def test_mfa_verification_rotates_the_key_and_the_device_row_follows(provider):
    device = TOTPDevice.objects.create(user=provider, name="phone", confirmed=True)
    client = log_in(provider)
    before = key_of(client)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    response = client.post(reverse("journal:mfa-verify"), {"code": code})
    assert response.status_code == 302
    assert key_of(client) != before
    keys = UserSession.objects.filter(user=provider).values_list("session_key", flat=True)
    assert list(keys) == [key_of(client)]
    page = client.get(reverse(DEVICES))
    assert page.status_code == 200 and page.context["devices"][0].is_current


def test_a_password_change_ends_the_other_devices_and_keeps_this_one(patient):
    elsewhere = log_in(patient, agent=SAFARI_IPHONE)
    client = log_in(patient)
    new = "a brand new river of lanterns"
    response = client.post(
        reverse("journal:password-change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert logged_out(elsewhere.get(reverse("journal:patient-home")))
    # The change rotated this session's key; its row moved with it.
    assert [row.session_key for row in UserSession.objects.filter(user=patient)] == [key_of(client)]


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (CHROME_ANDROID, "Chrome on Android"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
            "Safari on macOS",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
            "Chrome on iPad",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64) something new", "Unknown browser on Linux"),
        ("", "Unknown browser"),
        ("\\x00\\x1b[31m", "Unknown browser"),
    ],
)
def test_device_labels_name_the_browser_and_the_device(agent, label):
    assert device_label(agent) == label


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        ("10.1.2.3", "10.1.2.0/24"),
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd::/48"),
        ("::ffff:198.51.100.9", "198.51.100.0/24"),
        ("not an address", ""),
        (None, ""),
    ],
)
def test_only_the_network_of_an_address_is_kept(ip, prefix):
    assert network_prefix(ip) == prefix


def test_an_ipv6_login_is_stored_as_its_48_network(patient):
    client = log_in(patient, ip="2001:db8:abcd:12:34::1")
    assert row_of(client).ip_prefix == "2001:db8:abcd::/48"
    assert not UserSession.objects.filter(ip_prefix__contains="34::1").exists()


def test_user_agents_are_stored_escaped_and_truncated(patient):
    agent = "Evil\x00Browser\n" + "x" * 400
    row = row_of(log_in(patient, agent=agent))
    assert "\x00" not in row.user_agent and "\n" not in row.user_agent
    assert row.user_agent.startswith("Evil\\x00Browser\\x0a") and len(row.user_agent) == 256


def test_last_seen_is_refreshed_at_most_once_a_minute(patient):
    with freeze_time("2025-03-01 09:00:00") as clock:
        client = log_in(patient)
        signed_in = row_of(client).last_seen_at
        clock.tick(timedelta(seconds=30))
        assert client.get(reverse("journal:patient-home")).status_code == 200
        assert row_of(client).last_seen_at == signed_in  # no write for every request
        clock.tick(timedelta(seconds=40))
        client.defaults["REMOTE_ADDR"] = "198.51.100.20"
        assert client.get(reverse("journal:patient-home")).status_code == 200
        row = row_of(client)
        assert row.last_seen_at == signed_in + timedelta(seconds=70)
        assert row.created_at == signed_in
        assert row.ip_prefix == "198.51.100.0/24"  # the network it was last seen from


def test_a_session_from_before_devices_were_kept_is_recorded_at_its_next_request(patient):
    client = client_for(patient)
    UserSession.objects.all().delete()
    session = client.session
    del session[DEVICE_KEY]
    session.save()
    assert client.get(reverse(DEVICES)).status_code == 200
    assert row_of(client).user == patient


# --- Ending sessions ------------------------------------------------------------------------


def test_ending_one_device_logs_that_browser_out_at_its_next_request(patient):
    phone = log_in(patient, agent=SAFARI_IPHONE)
    laptop = log_in(patient)
    target, phone_key = row_of(phone), key_of(phone)
    response = laptop.post(end_url(target), follow=True)
    assert "Safari on iPhone is logged out." in response.content.decode()
    assert logged_out(phone.get(reverse("journal:patient-home")))
    assert laptop.get(reverse("journal:patient-home")).status_code == 200
    assert not UserSession.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="session.ended")
    assert (event.actor, event.subject) == (patient, patient)
    assert event.detail == {"device": target.pk}
    assert phone_key not in str(event.detail)


def test_the_device_in_use_is_logged_out_with_log_out_not_ended_from_the_list(patient):
    client = log_in(patient)
    response = client.post(end_url(row_of(client)), follow=True)
    assert "To end this session, log out." in response.content.decode()
    assert client.get(reverse("journal:patient-home")).status_code == 200
    assert not AuditEvent.objects.filter(action="session.ended").exists()


def test_log_out_everywhere_else_keeps_only_this_device(patient, other_patient):
    phones = [log_in(patient, agent=SAFARI_IPHONE), log_in(patient, agent=CHROME_ANDROID)]
    theirs = log_in(other_patient)
    client = log_in(patient)
    response = client.post(reverse("journal:account-devices-end-others"), follow=True)
    assert "Logged out of 2 other sessions." in response.content.decode()
    for phone in phones:
        assert logged_out(phone.get(reverse("journal:patient-home")))
    assert client.get(reverse("journal:patient-home")).status_code == 200
    assert theirs.get(reverse("journal:patient-home")).status_code == 200
    assert [d.is_current for d in client.get(reverse(DEVICES)).context["devices"]] == [True]
    event = AuditEvent.objects.get(action="session.ended_all")
    assert (event.actor, event.subject) == (patient, patient)
    assert event.detail == {"count": 2, "kept_current": True}


def test_another_persons_session_is_not_found(patient, other_patient):
    theirs = log_in(other_patient)
    client = log_in(patient)
    response = client.post(end_url(row_of(theirs)))
    assert response.status_code == 404
    assert theirs.get(reverse("journal:patient-home")).status_code == 200
    assert not AuditEvent.objects.filter(action="session.ended").exists()
    denied = AuditEvent.objects.get(action="access.denied")
    assert denied.actor == patient and denied.detail["object_type"] == "device"


def test_ending_needs_a_post_with_a_csrf_token(patient):
    phone = log_in(patient, agent=SAFARI_IPHONE)
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient)
    assert client.get(end_url(row_of(phone))).status_code == 405
    assert client.post(end_url(row_of(phone))).status_code == 403
    assert phone.get(reverse("journal:patient-home")).status_code == 200


def test_logging_out_removes_the_device(patient):
    client = log_in(patient)
    key = key_of(client)
    assert client.post(reverse("logout")).status_code == 302
    assert not UserSession.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=patient).exists()


def test_ended_and_expired_sessions_are_not_listed(patient):
    gone = log_in(patient, agent=SAFARI_IPHONE)
    idle = log_in(patient, agent=CHROME_ANDROID)
    client = log_in(patient)
    Session.objects.filter(session_key=key_of(gone)).delete()  # as `clearsessions` would
    UserSession.objects.filter(session_key=key_of(idle)).update(
        last_seen_at=row_of(idle).last_seen_at - timedelta(minutes=30)  # the clinic's idle limit
    )
    labels = [d.label for d in client.get(reverse(DEVICES)).context["devices"]]
    assert labels == ["Firefox on Linux"]


def test_the_page_never_shows_a_session_key(patient):
    clients = [log_in(patient, agent=a) for a in (FIREFOX_LINUX, SAFARI_IPHONE, CHROME_ANDROID)]
    page = clients[0].get(reverse(DEVICES)).content.decode()
    assert len(re.findall(r'action="/account/devices/\d+/end/"', page)) == 2
    for client in clients:
        assert key_of(client) not in page


def test_the_devices_page_has_a_fixed_number_of_queries(patient, django_assert_max_num_queries):
    for agent in (SAFARI_IPHONE, CHROME_ANDROID, SAFARI_IPHONE, CHROME_ANDROID):
        log_in(patient, agent=agent)
    client = log_in(patient)
    with django_assert_max_num_queries(8):
        response = client.get(reverse(DEVICES))
    assert len(response.context["devices"]) == 5


def test_every_role_has_the_page_and_the_settings_page_links_to_it(personas):
    for user in (personas.patient, personas.provider, personas.clinic_admin):
        client = client_for(user)
        settings_page = client.get(reverse("journal:account-settings")).content.decode()
        assert f'href="{reverse(DEVICES)}"' in settings_page
        page = client.get(reverse(DEVICES))
        assert page.status_code == 200 and page.context["devices"][0].is_current
        assert "<title>Devices · Aftercare</title>" in page.content.decode()


# --- Sessions that have no row -------------------------------------------------------------


def test_sessions_without_a_row_are_still_ended(patient, clinic_admin):
    client = client_for(patient)
    UserSession.objects.all().delete()  # as for a session signed in before rows were kept
    assert services.end_sessions(patient) == 1
    assert logged_out(client.get(reverse("journal:patient-home")))


# --- The clinic console --------------------------------------------------------------------


def console_action(admin: Client, user: User):
    return admin.post(
        reverse("admin:journal_user_changelist"),
        {"action": "log_out_everywhere", "_selected_action": [user.pk]},
        follow=True,
    )


def test_the_console_logs_a_person_out_everywhere_without_deactivating(patient, clinic_admin):
    browsers = [log_in(patient, agent=SAFARI_IPHONE), log_in(patient)]
    admin = client_for(clinic_admin)
    response = console_action(admin, patient)
    # The console capitalises its messages.
    assert "Pat@clinic.test is logged out everywhere (2 sessions)." in response.content.decode()
    for browser in browsers:
        assert logged_out(browser.get(reverse("journal:patient-home")))
    patient.refresh_from_db()
    assert patient.is_active and patient.deactivated_at is None
    assert not UserSession.objects.filter(user=patient).exists()
    event = AuditEvent.objects.get(action="session.ended_all")
    assert (event.actor, event.subject) == (clinic_admin, patient)
    assert event.detail == {"count": 2, "kept_current": False}
    assert not AuditEvent.objects.filter(action="account.deactivate", subject=patient).exists()
    log_in(patient)  # the account still works


def test_the_console_does_not_log_the_admin_out_of_their_own_session(clinic_admin):
    admin = client_for(clinic_admin)
    response = console_action(admin, clinic_admin)
    assert "use Devices in your account settings" in response.content.decode()
    assert admin.get(reverse("admin:index")).status_code == 200
    assert not AuditEvent.objects.filter(action="session.ended_all").exists()
