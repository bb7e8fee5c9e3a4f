"""The clinic console's entry points: its log-in and password pages are the app's own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from journal.models import AuditEvent
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "amber kettle over the quiet hill"


@pytest.mark.parametrize("persona", ["patient", "provider", "provider_without_share"])
def test_a_signed_in_non_admin_gets_a_clear_403_not_a_redirect_loop(personas, persona) -> None:
    client = client_for(getattr(personas, persona))
    # The test client raises RedirectCycleError on a loop.
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1
    assert "You can't open this page" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_one_log_in_page(db) -> None:
    response = client_for(None).get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=")


def test_a_clinic_admin_arriving_at_the_console_log_in_goes_on_to_the_console(
    clinic_admin,
) -> None:
    target = reverse("admin:journal_user_changelist")
    response = client_for(clinic_admin).get(reverse("admin:login"), {"next": target})
    assert response.status_code == 302 and response["Location"] == target
    outside = client_for(clinic_admin).get(reverse("admin:login"), {"next": "https://evil.test/"})
    assert outside["Location"] == reverse("admin:index")


def test_the_consoles_password_page_is_the_apps_audited_one(clinic_admin) -> None:
    client = client_for(clinic_admin)
    console_page = reverse("admin:password_change")
    assert console_page in client.get(reverse("admin:index")).content.decode()
    response = client.get(console_page)
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:password-change")
    done = client.get(reverse("admin:password_change_done"))
    assert done["Location"] == reverse("journal:account-settings")
    changed = client.post(
        response["Location"],
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    clinic_admin.refresh_from_db()
    assert clinic_admin.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="password.change")
    assert (event.actor, event.subject, event.outcome) == (clinic_admin, clinic_admin, "success")
