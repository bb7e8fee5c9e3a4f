"""Every URL × every persona. A URL missing from MATRIX fails `test_every_url_is_in_the_matrix`.

Expectations are HTTP status codes for a GET. 302 means "sent to log in" for anonymous and
deactivated users (checked), and a plain redirect for others. Objects named in `args` are built
by the `world` fixture and belong to `personas.patient`, so `other_patient` must get 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_for

PERSONAS = [
    "anonymous",
    "patient",
    "other_patient",
    "provider",
    "provider_without_share",
    "clinic_admin",
    "deactivated",
]


@dataclass(frozen=True)
class Row:
    """Expected status per persona; `args` name objects of the world fixture."""

    expect: dict[str, int]
    args: tuple[str, ...] = field(default=())
    # Public pages answer anonymous users; everything else must redirect them to log in.
    public: bool = False


def only(role_status: dict[str, int], default: int = 403) -> dict[str, int]:
    """Anonymous/deactivated → log in; listed personas as given; the rest `default`."""
    expect = {p: default for p in PERSONAS}
    expect["anonymous"] = expect["deactivated"] = 302
    expect.update(role_status)
    return expect


PATIENT_ONLY = only({"patient": 200, "other_patient": 200})
PROVIDER_ONLY = only({"provider": 200, "provider_without_share": 200})
ADMIN_ONLY = only({"clinic_admin": 200})
EVERY_ROLE_REDIRECT = only(
    {p: 302 for p in PERSONAS if p not in {"anonymous", "deactivated"}}, default=302
)
# A patient's own object: the owner sees it, another patient gets 404, other roles 403.
OWN_OBJECT = only({"patient": 200, "other_patient": 404})
PUBLIC = {p: 200 for p in PERSONAS}
# Security pages every signed-in role has; POST-only views answer GET with 405.
EVERY_ROLE_OK = only({p: 200 for p in PERSONAS if p not in {"anonymous", "deactivated"}})
EVERY_ROLE_405 = only({p: 405 for p in PERSONAS if p not in {"anonymous", "deactivated"}})


MATRIX: dict[str, Row] = {
    # --- Foundation: authentication and homes -------------------------------------------
    "login": Row(
        public=True,
        expect={**{p: 302 for p in PERSONAS}, "anonymous": 200, "deactivated": 200},
    ),
    # Log-out is POST only; anonymous users are sent to log in like everywhere else.
    "logout": Row(expect={**{p: 405 for p in PERSONAS}, "anonymous": 302, "deactivated": 302}),
    "password_reset": Row(public=True, expect=PUBLIC),
    "password_reset_done": Row(public=True, expect=PUBLIC),
    # A valid link moves its token into the session and redirects to the set-password form.
    "password_reset_confirm": Row(
        public=True, args=("reset_uid", "reset_token"), expect={p: 302 for p in PERSONAS}
    ),
    "password_reset_complete": Row(public=True, expect=PUBLIC),
    # The link moves its token into the session and redirects to a URL without it.
    "enroll": Row(public=True, args=("bad_token",), expect={p: 302 for p in PERSONAS}),
    "enroll-set-password": Row(public=True, expect={p: 404 for p in PERSONAS}),
    "journal:home": Row(expect=EVERY_ROLE_REDIRECT),
    "journal:patient-home": Row(expect=PATIENT_ONLY),
    "journal:provider-home": Row(expect=PROVIDER_ONLY),
    "journal:admin-home": Row(expect=ADMIN_ONLY),
    # --- Benchmark: public liveness probe (answers everyone, no database) ---------------
    "journal:ping": Row(public=True, expect=PUBLIC),
    # --- Notifications: a bad unsubscribe token is not found, for everyone ---------------
    "journal:notifications-unsubscribe": Row(
        public=True, args=("bad_token",), expect={p: 404 for p in PERSONAS}
    ),
    "journal:notifications-unsubscribe-on-call": Row(
        public=True, args=("bad_token",), expect={p: 404 for p in PERSONAS}
    ),
    "journal:notification-list": Row(expect=EVERY_ROLE_OK),
    "journal:notifications-read": Row(expect=EVERY_ROLE_405),
    "journal:notification-settings": Row(expect=EVERY_ROLE_OK),
    "journal:push-subscribe": Row(expect=EVERY_ROLE_405),
    "journal:push-unsubscribe": Row(expect=EVERY_ROLE_405),
    # --- Installable app: public, no data ------------------------------------------------
    "journal:service-worker": Row(public=True, expect=PUBLIC),
    "journal:manifest": Row(public=True, expect=PUBLIC),
    # --- Security: account settings, re-authentication, MFA ------------------------------
    "journal:account-settings": Row(expect=EVERY_ROLE_OK),
    # client_for has just logged in, so re-authentication is recent.
    "journal:password-change": Row(expect=EVERY_ROLE_OK),
    "journal:email-change": Row(expect=EVERY_ROLE_OK),
    # The link's owner is sent on to the confirmation (the token moves into the session); a
    # link for another account is 404 for anyone else.
    "journal:email-change-confirm": Row(
        args=("email_change_token",), expect=only({"patient": 302}, default=404)
    ),
    # Without a link opened in this session there is nothing to confirm.
    "journal:email-change-confirm-pending": Row(expect=only({}, default=404)),
    "journal:reauth": Row(expect=EVERY_ROLE_OK),
    # Staff already have a verified authenticator (redirected to settings); patients may add one.
    "journal:mfa-setup": Row(expect=only({"patient": 200, "other_patient": 200}, default=302)),
    # Nothing to verify: patients without MFA and already-verified staff are sent on.
    "journal:mfa-verify": Row(expect=EVERY_ROLE_REDIRECT),
    "journal:mfa-remove": Row(expect=EVERY_ROLE_405),
    "journal:mfa-recovery-codes": Row(expect=EVERY_ROLE_405),
    # --- Devices: every role sees its own sessions; ending one is POST only -----------------
    "journal:account-devices": Row(expect=EVERY_ROLE_OK),
    "journal:account-device-end": Row(args=("device",), expect=EVERY_ROLE_405),
    "journal:account-devices-end-others": Row(expect=EVERY_ROLE_405),
    # --- Journal: sessions, reports, check-ins, readings, questionnaires, flags -------------
    "journal:session-list": Row(expect=PATIENT_ONLY),
    "journal:session-create": Row(expect=PATIENT_ONLY),
    "journal:session-report-create": Row(expect=PATIENT_ONLY),
    "journal:session-detail": Row(args=("journal_session",), expect=OWN_OBJECT),
    "journal:session-edit": Row(args=("journal_session",), expect=OWN_OBJECT),
    "journal:session-delete": Row(args=("journal_session",), expect=OWN_OBJECT),
    "journal:report-create": Row(args=("journal_session_unreported",), expect=OWN_OBJECT),
    "journal:report-detail": Row(args=("journal_report",), expect=OWN_OBJECT),
    "journal:report-edit": Row(args=("journal_report",), expect=OWN_OBJECT),
    "journal:report-delete": Row(args=("journal_report",), expect=OWN_OBJECT),
    "journal:checkin-list": Row(expect=PATIENT_ONLY),
    "journal:checkin-create": Row(expect=PATIENT_ONLY),
    "journal:checkin-detail": Row(args=("journal_checkin",), expect=OWN_OBJECT),
    "journal:checkin-edit": Row(args=("journal_checkin",), expect=OWN_OBJECT),
    "journal:checkin-delete": Row(args=("journal_checkin",), expect=OWN_OBJECT),
    "journal:reading-list": Row(expect=PATIENT_ONLY),
    "journal:reading-create": Row(expect=PATIENT_ONLY),
    "journal:reading-detail": Row(args=("journal_reading",), expect=OWN_OBJECT),
    "journal:reading-edit": Row(args=("journal_reading",), expect=OWN_OBJECT),
    "journal:reading-delete": Row(args=("journal_reading",), expect=OWN_OBJECT),
    "journal:questionnaire-list": Row(expect=PATIENT_ONLY),
    "journal:questionnaire-create": Row(args=("instrument_phq9",), expect=PATIENT_ONLY),
    "journal:questionnaire-detail": Row(args=("journal_questionnaire",), expect=OWN_OBJECT),
    "journal:questionnaire-edit": Row(args=("journal_questionnaire",), expect=OWN_OBJECT),
    "journal:questionnaire-delete": Row(args=("journal_questionnaire",), expect=OWN_OBJECT),
    "journal:flag-list": Row(expect=PATIENT_ONLY),
    # Everything the patient recorded, newest first (home links to it).
    "journal:entry-list": Row(expect=PATIENT_ONLY),
    # The "Log something" page the Log menu points to.
    "journal:log-something": Row(expect=PATIENT_ONLY),
    # --- Charts and dashboard (each patient sees only their own data) ---------------------
    "journal:dashboard": Row(expect=PATIENT_ONLY),
    "journal:chart": Row(args=("chart_name",), expect=PATIENT_ONLY),
    "journal:outcome-chart": Row(args=("instrument", "axis"), expect=PATIENT_ONLY),
    # --- Sharing and provider workspace ---------------------------------------------------
    "journal:share-list": Row(expect=PATIENT_ONLY),
    "journal:share-create": Row(expect=PATIENT_ONLY),
    "journal:share-edit": Row(args=("share",), expect=OWN_OBJECT),
    "journal:share-revoke": Row(args=("share",), expect=OWN_OBJECT),
    # POST only: a GET is refused before the share is looked up.
    "journal:share-resume": Row(
        args=("share",), expect=only({"patient": 405, "other_patient": 405})
    ),
    "journal:access-log": Row(expect=PATIENT_ONLY),
    # Provider pages about a patient: the shared-with provider 200, any other provider 404.
    "journal:provider-patient": Row(
        args=("shared_patient",), expect=only({"provider": 200, "provider_without_share": 404})
    ),
    "journal:provider-patient-print": Row(
        args=("shared_patient",), expect=only({"provider": 200, "provider_without_share": 404})
    ),
    # Chart images of a shared patient (chart_name "mood" is shared in the world's share).
    "journal:provider-chart": Row(
        args=("shared_patient", "chart_name"),
        expect=only({"provider": 200, "provider_without_share": 404}),
    ),
    # Clinic outcomes: aggregate figures over the provider's own sharing patients; every
    # provider may open them (with or without sharing patients), no other role.
    "journal:provider-outcomes": Row(expect=PROVIDER_ONLY),
    "journal:provider-outcomes-chart": Row(args=("instrument_phq9",), expect=PROVIDER_ONLY),
    # POST only: providers get 405 for a GET, everyone else 403 (role first).
    # The response curve of a shared patient (the world's share includes mood & questionnaires).
    "journal:provider-outcome-chart": Row(
        args=("shared_patient", "instrument", "axis"),
        expect=only({"provider": 200, "provider_without_share": 404}),
    ),
    "journal:provider-baseline": Row(
        args=("shared_patient",), expect=only({"provider": 405, "provider_without_share": 405})
    ),
    "journal:provider-flag-acknowledge": Row(
        args=("shared_flag",), expect=only({"provider": 405, "provider_without_share": 405})
    ),
    "journal:provider-flags-acknowledge": Row(
        args=("shared_patient",), expect=only({"provider": 405, "provider_without_share": 405})
    ),
    # --- Exports and data rights -----------------------------------------------------------
    "journal:export": Row(expect=PATIENT_ONLY),
    "journal:export-pdf": Row(expect=PATIENT_ONLY),
    "journal:export-csv": Row(expect=PATIENT_ONLY),
    "journal:export-fhir": Row(expect=PATIENT_ONLY),
    # Guarded by re-authentication; a fresh log-in counts as recent.
    "journal:export-all": Row(expect=PATIENT_ONLY),
    # Guarded by re-authentication; a fresh log-in counts as recent, so patients get the form.
    "journal:account-delete": Row(expect=PATIENT_ONLY),
    "journal:provider-export-pdf": Row(
        args=("shared_patient",), expect=only({"provider": 200, "provider_without_share": 404})
    ),
    "journal:provider-export-csv": Row(
        args=("shared_patient",), expect=only({"provider": 200, "provider_without_share": 404})
    ),
    "journal:provider-export-fhir": Row(
        args=("shared_patient",), expect=only({"provider": 200, "provider_without_share": 404})
    ),
}

# The Django admin console is walked generically (see test_admin_console_is_clinic_admin_only).
ADMIN_PREFIX = "admin:"


def _all_url_names(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _all_url_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_url_is_in_the_matrix() -> None:
    names = {n for n in _all_url_names() if not n.startswith(ADMIN_PREFIX)}
    missing = sorted(names - set(MATRIX))
    stale = sorted(set(MATRIX) - names)
    assert not missing, f"URLs without a row in MATRIX: {missing}"
    assert not stale, f"MATRIX rows for URLs that no longer exist: {stale}"


def test_every_row_names_every_persona() -> None:
    for name, row in MATRIX.items():
        assert set(row.expect) == set(PERSONAS), name


@pytest.fixture
def world(personas, django_user_model) -> dict[str, object]:
    """Objects the parametrised URLs point at; extend as features add URLs."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from journal.models import Role
    from tests import factories
    from tests.conftest import enroll

    # A password-reset link for an account no persona logs in as (log-in changes the token).
    resetter = enroll("reset@clinic.test", Role.PATIENT)
    objects: dict[str, object] = {
        "bad_token": "not-a-real-token",
        "reset_uid": urlsafe_base64_encode(force_bytes(resetter.pk)),
        "reset_token": default_token_generator.make_token(resetter),
    }
    objects.update(factories.world_objects(personas))
    return objects


def _url(name: str, row: Row, world: dict[str, object]) -> str:
    return reverse(name, args=[getattr(world[a], "pk", world[a]) for a in row.args])


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_each_persona_as_documented(name: str, personas, world) -> None:
    row = MATRIX[name]
    url = _url(name, row, world)
    for persona in PERSONAS:
        user = None if persona == "anonymous" else getattr(personas, persona)
        response = client_for(user).get(url)
        expected = row.expect[persona]
        assert response.status_code == expected, (
            f"{name} as {persona}: {response.status_code}, expected {expected}"
        )
        if persona in {"anonymous", "deactivated"} and expected == 302 and not row.public:
            assert response["Location"].startswith(reverse("login")), (name, persona)


def test_anonymous_users_reach_only_the_documented_public_pages(personas, world) -> None:
    public = {name for name, row in MATRIX.items() if row.public}
    assert public == {
        "login",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "enroll",
        "enroll-set-password",
        "journal:ping",
        "journal:notifications-unsubscribe",
        "journal:notifications-unsubscribe-on-call",
        "journal:service-worker",
        "journal:manifest",
    }
    for name, row in MATRIX.items():
        if row.public:
            continue
        response = client_for(None).get(_url(name, row, world))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_admin_console_is_clinic_admin_only(personas) -> None:
    pages = [
        reverse("admin:index"),
        reverse("admin:journal_user_changelist"),
        reverse("admin:journal_user_add"),
        reverse("admin:journal_auditevent_changelist"),
        reverse("admin:journal_accessevent_changelist"),
        reverse("admin:journal_clinicsettings_changelist"),
        reverse("admin:journal_alertrecord_changelist"),
    ]
    for persona in PERSONAS:
        user = None if persona == "anonymous" else getattr(personas, persona)
        client = client_for(user)
        for page in pages:
            response = client.get(page)
            if persona == "clinic_admin":
                assert response.status_code == 200, (page, persona)
            else:
                assert response.status_code == 302, (page, persona)
                login_pages = (reverse("login"), reverse("admin:login"))
                assert response["Location"].startswith(login_pages), (page, persona)
                # Signed in but not an admin: a 403 page, not a way round to log in again.
                if persona not in {"anonymous", "deactivated"}:
                    assert client.get(page, follow=True).status_code == 403, (page, persona)


def test_admin_console_registers_no_journal_content() -> None:
    from journal.admin import clinic_admin_site

    registered = {model._meta.model_name for model in clinic_admin_site._registry}
    # Clinician alerts are listed as metadata only (who, when, channel, flag id).
    assert registered == {"user", "clinicsettings", "auditevent", "accessevent", "alertrecord"}


# Chart images take `size` (desktop, phone) and `theme` (light, dark): every drawing answers each
# persona exactly as the plain chart URL does, and an unknown value is a 400 only for those who
# may see the chart (everyone else still gets the plain URL's answer, so nothing is revealed).
CHART_IMAGE_URLS = (
    "journal:chart",
    "journal:provider-chart",
    "journal:outcome-chart",
    "journal:provider-outcome-chart",
)
DRAWINGS = ("size=phone", "theme=dark", "size=phone&theme=dark", "size=desktop&theme=light")
BAD_DRAWINGS = ("size=huge", "theme=blue", "size=", "size=phone&theme=Dark")


@pytest.mark.parametrize("name", CHART_IMAGE_URLS)
def test_every_drawing_of_a_chart_answers_each_persona_as_the_chart_does(
    name: str, personas, world
) -> None:
    row = MATRIX[name]
    url = _url(name, row, world)
    for persona in PERSONAS:
        client = client_for(None if persona == "anonymous" else getattr(personas, persona))
        for query in DRAWINGS:
            response = client.get(f"{url}?{query}")
            assert response.status_code == row.expect[persona], (name, persona, query)
            if response.status_code == 200:
                assert response["Content-Type"] == "image/svg+xml"


def test_the_cohort_chart_has_phone_and_dark_drawings(personas, world) -> None:
    row = MATRIX["journal:provider-outcomes-chart"]
    url = _url("journal:provider-outcomes-chart", row, world)
    for persona in PERSONAS:
        client = client_for(None if persona == "anonymous" else getattr(personas, persona))
        allowed = row.expect[persona] == 200
        for query in ("theme=dark", "size=phone", "size=phone&theme=dark"):
            response = client.get(f"{url}?{query}")
            assert response.status_code == row.expect[persona], (persona, query)
            if allowed:
                assert response["Content-Type"] == "image/svg+xml"
        assert client.get(f"{url}?theme=sepia").status_code == (
            400 if allowed else row.expect[persona]
        )


@pytest.mark.parametrize("name", CHART_IMAGE_URLS)
def test_an_unknown_size_or_theme_is_a_400_never_a_500(name: str, personas, world) -> None:
    row = MATRIX[name]
    url = _url(name, row, world)
    for persona in PERSONAS:
        client = client_for(None if persona == "anonymous" else getattr(personas, persona))
        expected = 400 if row.expect[persona] == 200 else row.expect[persona]
        for query in BAD_DRAWINGS:
            response = client.get(f"{url}?{query}")
            assert response.status_code == expected, (name, persona, query)
