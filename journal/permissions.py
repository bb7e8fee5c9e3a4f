"""Every "who may see or do what" decision in Aftercare lives here.

Rules:
- nothing is public unless a view is marked `@login_not_required` (LoginRequiredMiddleware);
- a signed-in user of the wrong role gets 403 (`role_required`);
- an object outside the user's scope is 404, and list and detail views use the same scoped
  querysets, so a list can never show what a detail page would refuse.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    DateField,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone

from journal.models import (
    BloodPressureReading,
    CheckIn,
    Flag,
    PostSessionReport,
    QuestionnaireResponse,
    Role,
    Share,
    ShareCategory,
    TreatmentSession,
    User,
    UserSession,
)

M = TypeVar("M", bound=Model)
P = ParamSpec("P")
R = TypeVar("R", bound=HttpRequest)


def role_required(
    *roles: str,
) -> Callable[
    [Callable[Concatenate[R, P], HttpResponse]], Callable[Concatenate[R, P], HttpResponse]
]:
    """Decorate a view so only signed-in users with one of `roles` reach it (others: 403)."""

    def decorator(
        view: Callable[Concatenate[R, P], HttpResponse],
    ) -> Callable[Concatenate[R, P], HttpResponse]:
        @wraps(view)
        def wrapped(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    """True when the user is signed in, active and holds one of `roles`."""
    return bool(user.is_authenticated and user.is_active and user.role in roles)


patient_required = role_required(Role.PATIENT)
provider_required = role_required(Role.PROVIDER)
clinic_admin_required = role_required(Role.ADMIN)


def can_use_admin_console(user: User | AnonymousUser) -> bool:
    """Clinic admins (and superusers) manage accounts in the admin console."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.role == Role.ADMIN))
    )


def owned_by(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Rows of a patient-owned model that belong to `user` (empty for anyone but a patient)."""
    if not has_role(user, Role.PATIENT):
        return queryset.none()
    return queryset.filter(patient=user)


def get_owned_or_404(user: User, queryset: QuerySet[M], **lookup) -> M:
    """One of the patient's own rows, or 404 (never 403: strangers learn nothing)."""
    return get_object_or_404(owned_by(user, queryset), **lookup)


def home_url_name(user: User) -> str:
    """Where a signed-in user starts, by role."""
    if user.role == Role.PROVIDER:
        return "journal:provider-home"
    if user.role == Role.ADMIN:
        return "journal:admin-home"
    return "journal:patient-home"


def not_found() -> Http404:
    """The one answer for anything outside a user's scope."""
    return Http404("Not found")


# --- Security: who must use two-step verification ------------------------------------------


def must_use_mfa(user: User | AnonymousUser) -> bool:
    """Providers and clinic admins must verify a second factor before any other page."""
    return bool(user.is_authenticated and user.role in (Role.PROVIDER, Role.ADMIN))


# --- Sharing and provider scope (consent-based sharing) -----------------------------------
# A provider sees a patient only through an active share, decided afresh on every request (no
# caching), so a revocation or an expiry applies to the provider's very next request. Dates on
# a share are the patient's local calendar days: a share starting on D covers data from local
# midnight of D; a share expiring on D is active through the end of local day D.

SHARE_FIELD_BY_CATEGORY: dict[str, str] = {
    ShareCategory.MOOD: "share_mood",
    ShareCategory.SIDE_EFFECTS: "share_side_effects",
    ShareCategory.BLOOD_PRESSURE: "share_blood_pressure",
    ShareCategory.NOTES: "share_notes",
}
# Categories that carry records and flags (notes ride on reports and check-ins).
DATA_CATEGORIES = (ShareCategory.MOOD, ShareCategory.SIDE_EFFECTS, ShareCategory.BLOOD_PRESSURE)


# --- Devices: a person's own signed-in sessions -------------------------------------------


def own_devices(user: User, now: datetime | None = None) -> QuerySet[UserSession]:
    """`user`'s sessions that are still open: stored, unexpired, within the absolute
    lifetime and not idle past the user's limit (such a session is logged out by its next
    request, so it is not shown as open)."""
    from journal.security.sessions import idle_limit_seconds

    now = now or timezone.now()
    idle_since = now - timedelta(seconds=idle_limit_seconds(user))
    return UserSession.objects.filter(user=user, last_seen_at__gt=idle_since).live(now)


def get_own_device_or_404(user: User, device_id: int) -> UserSession:
    """One of the user's own open sessions, or 404 (another person's session is not found)."""
    return get_object_or_404(own_devices(user), pk=device_id)


def patient_today(patient: User, now: datetime | None = None) -> date:
    """The patient's local calendar date at `now` (default: this instant)."""
    return (now or timezone.now()).astimezone(patient.zone).date()


def _window_covers(starts_on: date | None, expires_on: date | None, day: date) -> bool:
    return (starts_on is None or starts_on <= day) and (expires_on is None or expires_on >= day)


def is_active_on(share: Share, day: date) -> bool:
    """The share rule: not revoked, not paused, and local `day` lies within its start and expiry
    dates (both inclusive, either open). `active_on` is the same rule as a filter."""
    return (
        share.revoked_at is None
        and share.paused_at is None
        and _window_covers(share.starts_on, share.expires_on, day)
    )


def active_on(day: date | F) -> Q:
    """Filter for shares active on local `day` (a date, or an expression such as the
    annotated `patient_today`): `is_active_on` as SQL."""
    return (
        Q(revoked_at__isnull=True)
        & Q(paused_at__isnull=True)
        & (Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=day))
    )


def share_status(share: Share, today: date | None = None) -> str:
    """One of revoked / paused / upcoming / expired / active, judged on the patient's local
    `today`."""
    today = today or patient_today(share.patient)
    if is_active_on(share, today):
        return "active"
    if share.revoked_at is not None:
        return "revoked"
    if share.paused_at is not None and (share.expires_on is None or share.expires_on >= today):
        return "paused"
    if share.starts_on is not None and share.starts_on > today:
        return "upcoming"
    return "expired"


def shared_categories(share: Share | None) -> frozenset[str]:
    """The categories a share grants (empty for no share)."""
    if share is None:
        return frozenset()
    return frozenset(c for c, f in SHARE_FIELD_BY_CATEGORY.items() if getattr(share, f))


# --- The scope a read covers ----------------------------------------------------------------
# Chart data, the provider workspace and exports take a `Scope` and never decide categories,
# the first day or private notes themselves.

ALL_CATEGORIES: frozenset[str] = frozenset(ShareCategory.values)


@dataclass(frozen=True)
class Scope:
    """What one read of a patient's journal may cover: which categories, from which local day
    of the patient's (None: no limit), whether notes the patient kept private are included,
    and the share the read goes through (None: the patient reading their own data)."""

    patient: User
    categories: frozenset[str]
    not_before: date | None = None
    private_notes: bool = False
    share_id: int | None = None

    def allows(self, category: str) -> bool:
        """True when the read covers `category`."""
        return category in self.categories

    @property
    def window_start(self) -> datetime | None:
        """The first instant covered: local midnight of `not_before` (None: no limit)."""
        return window_start(self.not_before, self.patient.zone)

    def narrowed(self, categories: Iterable[str]) -> Scope:
        """The same scope limited to `categories` (never wider than this one)."""
        return Scope(
            patient=self.patient,
            categories=self.categories & frozenset(categories),
            not_before=self.not_before,
            private_notes=self.private_notes,
            share_id=self.share_id,
        )


def window_start(not_before: date | None, zone: zoneinfo.ZoneInfo) -> datetime | None:
    """The first instant a share starting on `not_before` covers: that day's local midnight
    in the patient's `zone` (None: no start)."""
    if not_before is None:
        return None
    return datetime.combine(not_before, time.min, tzinfo=zone)


def own_scope(patient: User) -> Scope:
    """The patient reading their own journal: every category, every day, private notes too."""
    return Scope(patient=patient, categories=ALL_CATEGORIES, private_notes=True)


# The share columns `share_scope` reads (besides its patient's time zone): for callers that
# read shares with only what a scope needs.
SCOPE_SHARE_FIELDS = (
    "id",
    "patient_id",
    "share_mood",
    "share_side_effects",
    "share_blood_pressure",
    "share_notes",
    "starts_on",
)


def share_scope(share: Share) -> Scope:
    """A provider reading through `share`: its categories, from its start date, shareable
    notes only (callers check the share is active first)."""
    return Scope(
        patient=share.patient,
        categories=shared_categories(share),
        not_before=share.starts_on,
        private_notes=False,
        share_id=share.pk,
    )


def get_active_share(provider: User, patient: User, today: date | None = None) -> Share | None:
    """The share that lets `provider` see `patient` today, or None."""
    if not has_role(provider, Role.PROVIDER) or not (patient.is_patient and patient.is_active):
        return None
    today = today or patient_today(patient)
    return (
        Share.objects.filter(active_on(today), provider=provider, patient=patient)
        .select_related("patient", "provider")
        .order_by("-created_at", "-id")
        .first()
    )


def sharing_zones(provider: User) -> list[str]:
    """Time zones of the patients who have an unrevoked share with `provider` (one query)."""
    return sorted(
        set(
            Share.objects.filter(provider=provider, revoked_at__isnull=True).values_list(
                "patient__time_zone", flat=True
            )
        )
    )


def local_day(field: str, zones: list[str], zone_field: str = "patient__time_zone") -> Case:
    """SQL: the local calendar date of instant `field` in the row's patient's time zone."""
    return Case(
        *[
            When(**{zone_field: z}, then=TruncDate(field, tzinfo=zoneinfo.ZoneInfo(z)))
            for z in zones
        ],
        default=TruncDate(field, tzinfo=zoneinfo.ZoneInfo("UTC")),
        output_field=DateField(),
    )


def active_shares_for(
    provider: User, now: datetime | None = None, zones: list[str] | None = None
) -> QuerySet[Share]:
    """The provider's active shares, each judged on its patient's local date (annotated
    `patient_today`)."""
    if not has_role(provider, Role.PROVIDER):
        return Share.objects.none()
    now = now or timezone.now()
    zones = sharing_zones(provider) if zones is None else zones
    return shares_active_on(provider.pk, local_dates(now, zones), now.astimezone(UTC).date())


def local_dates(now: datetime, zones: Iterable[str]) -> dict[str, date]:
    """The local date of `now` in each of `zones`."""
    return {z: now.astimezone(zoneinfo.ZoneInfo(z)).date() for z in zones}


def shares_active_on(
    provider_id: int, today_by_zone: dict[str, date], default_today: date
) -> QuerySet[Share]:
    """`active_shares_for` from its parts (for a caller that compiles the query once): the
    provider's shares active on their patient's local date, `today_by_zone[patient's zone]`
    (`default_today` for a zone not given), annotated `patient_today`. The caller has checked
    that the provider is one."""
    today = Case(
        *[When(patient__time_zone=z, then=Value(day)) for z, day in today_by_zone.items()],
        default=Value(default_today),
        output_field=DateField(),
    )
    return (
        Share.objects.filter(
            provider=provider_id, patient__is_active=True, patient__role=Role.PATIENT
        )
        .annotate(patient_today=today)
        .filter(active_on(F("patient_today")))
    )


def active_share_values(
    provider: User, fields: tuple[str, ...], now: datetime | None = None
) -> list[tuple]:
    """`values_list(*fields)` of the provider's active shares — the same shares as
    `active_shares_for` — in one query without the per-zone SQL date: the unrevoked shares are
    read (unpaused) and each is judged in Python on its patient's local date (`is_active_on`'s
    rule)."""
    if not has_role(provider, Role.PROVIDER):
        return []
    now = now or timezone.now()
    window = ("starts_on", "expires_on", "patient__time_zone")
    columns = (*fields, *(name for name in window if name not in fields))
    start_at, end_at, zone_at = (columns.index(name) for name in window)
    rows = Share.objects.filter(
        provider=provider,
        revoked_at__isnull=True,
        paused_at__isnull=True,
        patient__is_active=True,
        patient__role=Role.PATIENT,
    ).values_list(*columns)
    today: dict[str, date] = {}
    active = []
    for row in rows:
        zone = row[zone_at]
        if zone not in today:
            today[zone] = now.astimezone(zoneinfo.ZoneInfo(zone)).date()
        if _window_covers(row[start_at], row[end_at], today[zone]):
            active.append(row[: len(fields)])
    return active


def patients_shared_with(provider: User, now: datetime | None = None) -> QuerySet[User]:
    """Patients who currently share anything with `provider`."""
    return User.objects.filter(pk__in=active_shares_for(provider, now).values("patient"))


def get_shared_patient_or_404(provider: User, patient_id: int) -> tuple[User, Share]:
    """The patient and the share that allows `provider` to see them now, or 404."""
    patient = User.objects.filter(pk=patient_id, role=Role.PATIENT, is_active=True).first()
    share = get_active_share(provider, patient) if patient is not None else None
    if share is None:
        raise not_found()
    return share.patient, share


def _within(share: Share, queryset: QuerySet[M], category: str, time_field: str) -> QuerySet[M]:
    scope = share_scope(share)
    if not scope.allows(category):
        return queryset.none()
    queryset = queryset.filter(patient=scope.patient)
    start = scope.window_start
    return queryset.filter(**{f"{time_field}__gte": start}) if start else queryset


def mood_checkins(share: Share) -> QuerySet[CheckIn]:
    """Check-ins whose mood, anxiety and pain the share shows."""
    return _within(share, CheckIn.objects.all(), ShareCategory.MOOD, "recorded_at")


def mood_reports(share: Share) -> QuerySet[PostSessionReport]:
    """Post-session reports whose mood score the share shows."""
    return _within(share, PostSessionReport.objects.all(), ShareCategory.MOOD, "reported_at")


def shared_questionnaires(share: Share) -> QuerySet[QuestionnaireResponse]:
    """PHQ-9/GAD-7 responses the share shows (mood & questionnaires)."""
    return _within(share, QuestionnaireResponse.objects.all(), ShareCategory.MOOD, "completed_at")


def side_effect_reports(share: Share) -> QuerySet[PostSessionReport]:
    """Post-session reports whose symptom ratings and bother the share shows."""
    return _within(
        share, PostSessionReport.objects.all(), ShareCategory.SIDE_EFFECTS, "reported_at"
    )


def side_effect_checkins(share: Share) -> QuerySet[CheckIn]:
    """Check-ins whose between-session symptom ratings the share shows."""
    return _within(share, CheckIn.objects.all(), ShareCategory.SIDE_EFFECTS, "recorded_at")


def shared_readings(share: Share) -> QuerySet[BloodPressureReading]:
    """Blood pressure readings the share shows."""
    return _within(
        share, BloodPressureReading.objects.all(), ShareCategory.BLOOD_PRESSURE, "measured_at"
    )


def shared_sessions(share: Share) -> QuerySet[TreatmentSession]:
    """Treatment sessions (date, route, dose; never the session note) the share shows as
    context for side effects or blood pressure."""
    cats = share_scope(share).categories
    if not cats & {ShareCategory.SIDE_EFFECTS, ShareCategory.BLOOD_PRESSURE}:
        return TreatmentSession.objects.none()
    category = (
        ShareCategory.SIDE_EFFECTS
        if ShareCategory.SIDE_EFFECTS in cats
        else ShareCategory.BLOOD_PRESSURE
    )
    return _within(share, TreatmentSession.objects.all(), category, "started_at")


def shared_notes(share: Share) -> tuple[QuerySet[PostSessionReport], QuerySet[CheckIn]]:
    """Report and check-in notes the provider may read: only when both the note
    (`note_shareable`) and the share (`share_notes`) allow it."""
    reports = (
        _within(share, PostSessionReport.objects.all(), ShareCategory.NOTES, "reported_at")
        .filter(note_shareable=True)
        .exclude(note="")
    )
    checkins = (
        _within(share, CheckIn.objects.all(), ShareCategory.NOTES, "recorded_at")
        .filter(note_shareable=True)
        .exclude(note="")
    )
    return reports, checkins


def shared_flags(share: Share) -> QuerySet[Flag]:
    """Flags of the shared categories raised since the share's start."""
    scope = share_scope(share)
    cats = scope.categories & set(DATA_CATEGORIES)
    queryset = Flag.objects.filter(patient=scope.patient, category__in=cats)
    start = scope.window_start
    return queryset.filter(raised_at__gte=start) if start else queryset


def flags_visible_to(provider: User, zones: list[str] | None = None) -> QuerySet[Flag]:
    """Every flag `provider` may see now, across patients (one SQL query, no loops)."""
    zones = sharing_zones(provider) if zones is None else zones
    shares = active_shares_for(provider, zones=zones).filter(patient=OuterRef("patient"))
    category_allowed = Q()
    for category in DATA_CATEGORIES:
        category_allowed |= Q(category=category) & Q(
            Exists(
                shares.filter(**{SHARE_FIELD_BY_CATEGORY[category]: True}).filter(
                    Q(starts_on__isnull=True) | Q(starts_on__lte=OuterRef("local_day"))
                )
            )
        )
    return Flag.objects.annotate(local_day=local_day("raised_at", zones)).filter(category_allowed)


def get_shared_flag_or_404(provider: User, flag_id: int) -> tuple[Flag, Share]:
    """A flag `provider` may see (and so acknowledge) with the share that allows it, or 404."""
    flag = Flag.objects.select_related("patient").filter(pk=flag_id).first()
    share = get_active_share(provider, flag.patient) if flag is not None else None
    if flag is None or share is None or not shared_flags(share).filter(pk=flag.pk).exists():
        raise not_found()
    return flag, share


def provider_may_see_flag(provider: User, flag: Flag) -> bool:
    """Whether `provider` may see `flag` now: an active share with its category and window
    (the rule `get_shared_flag_or_404` applies, without raising)."""
    share = get_active_share(provider, flag.patient)
    return share is not None and shared_flags(share).filter(pk=flag.pk).exists()


def alert_recipients(flag: Flag) -> QuerySet[User]:
    """Providers who may see `flag` now (candidates for an alert about it)."""
    candidates = Share.objects.filter(
        patient_id=flag.patient_id, revoked_at__isnull=True, paused_at__isnull=True
    ).values("provider")
    providers = User.objects.providers().filter(is_active=True, pk__in=candidates)
    return providers.filter(pk__in=[p.pk for p in providers if provider_may_see_flag(p, flag)])


def provider_directory() -> QuerySet[User]:
    """Providers a patient may choose to share with (active provider accounts)."""
    return User.objects.providers().filter(is_active=True).order_by("display_name", "email")


def owned_shares(user: User) -> QuerySet[Share]:
    """The patient's own shares (empty for anyone else)."""
    return owned_by(user, Share.objects.select_related("provider"))
