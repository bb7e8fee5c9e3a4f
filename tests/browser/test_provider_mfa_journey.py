"""A newly enrolled provider sets a password, is sent to set up two-step
verification, types the key into "their authenticator" (the test computes the TOTP code from
the key shown as text on the page), sees the recovery codes once, and reaches the triage list.
Logging in again on another device then asks for the second step, which a recovery code passes.

Runs on a phone and a desktop.
"""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from journal import services
from journal.models import Role, User
from tests.browser.conftest import Web
from tests.browser.journeys import ACCOUNT_MENU, go_via_nav, log_in_through_the_form, status

pytestmark = pytest.mark.browser

NEW_PASSWORD = "quiet harbour copper meadow"


def code_from_manual_key(manual_key: str) -> str:
    """What an authenticator app shows for this key now (RFC 6238: 30 s, 6 digits)."""
    secret = re.sub(r"\s+", "", manual_key).upper()
    secret += "=" * (-len(secret) % 8)
    return f"{totp(b32decode(secret)):06d}"


def test_a_new_provider_enrolls_sets_up_two_step_verification_and_reaches_the_triage_list(
    web: Web, viewport: str, clinic_admin: User
) -> None:
    _, link = services.create_account(
        actor=clinic_admin,
        email="dr.new@clinic.test",
        display_name="Dr Newcomer",
        role=Role.PROVIDER,
        time_zone="America/Chicago",
    )

    # The enrollment link: choose a password.
    page = web.context(None).new_page()
    web.goto(page, link)
    expect(page.get_by_role("heading", name="Welcome, Dr Newcomer")).to_be_visible()
    page.get_by_label("Choose a password").fill(NEW_PASSWORD)
    page.get_by_label("Type the password again").fill(NEW_PASSWORD)
    expect(page.get_by_label("Your time zone")).to_have_value("America/Chicago")
    page.get_by_role("button", name="Set password and continue").click()

    # Provider accounts see patient data, so two-step verification comes first.
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("it needs a second step when you log in")
    assert "/account/two-step/set-up/" in page.url
    web.shot(page, f"provider-mfa-1-set-up-{viewport}")
    web.assert_accessible(page)

    key_text = page.get_by_role("main").locator("code").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key_text), key_text
    assert not TOTPDevice.objects.filter(user__email="dr.new@clinic.test", confirmed=True).exists()

    # The right code, computed from the key shown as text (not from the QR image).
    page.get_by_label(re.compile("Code shown in your authenticator app")).fill(
        code_from_manual_key(key_text)
    )
    page.get_by_role("button", name="Turn on two-step verification").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(status(page, "Two-step verification is on")).to_be_visible()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    recovery = [c.strip() for c in codes.all_inner_texts()]
    assert len(set(recovery)) == 10 and all(re.fullmatch(r"[a-z0-9]{6,}", c) for c in recovery)
    expect(page.get_by_role("main")).to_contain_text("this page is the only time they are shown")
    web.shot(page, f"provider-mfa-2-recovery-codes-{viewport}")
    web.assert_accessible(page)

    page.get_by_role("link", name="I have saved my codes, continue").click()
    expect(page.get_by_role("heading", name="Patients who share with you")).to_be_visible()
    expect(page).to_have_url(web.url("journal:provider-home"))

    # The codes are shown once: the account page only counts them.
    go_via_nav(page, "Account", menu=ACCOUNT_MENU)
    main = page.get_by_role("main")
    expect(main).to_contain_text("You have 10 unused recovery codes")
    for code in recovery:
        expect(main).not_to_contain_text(code)
    web.assert_clean(page)

    provider = User.objects.get(email="dr.new@clinic.test")
    assert provider.check_password(NEW_PASSWORD) and provider.time_zone == "America/Chicago"
    device = TOTPDevice.objects.get(user=provider)
    assert device.confirmed
    assert StaticToken.objects.filter(device__user=provider).count() == 10

    # Another device: the password alone is not enough; a recovery code is (once).
    other = web.context(None).new_page()
    web.goto(other, "login")
    log_in_through_the_form(other, "dr.new@clinic.test", NEW_PASSWORD)
    expect(other.get_by_role("heading", name="Two-step verification")).to_be_visible()
    other.get_by_label(re.compile("Verification code")).fill(recovery[0])
    other.get_by_role("button", name="Verify").click()
    expect(other.get_by_role("heading", name="Patients who share with you")).to_be_visible()
    assert StaticToken.objects.filter(device__user=provider).count() == 9
    web.assert_clean(other)
