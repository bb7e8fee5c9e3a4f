"""Accounts: the custom user with role and time zone, clinic settings, enrollment links."""

from __future__ import annotations

import zoneinfo
from dataclasses import fields
from datetime import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from journal.thresholds import Thresholds

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _

# Clinic open days as weekday digits (Monday 0 … Sunday 6), as `date.weekday()` counts them.
WEEKDAYS = (
    ("0", "Monday"),
    ("1", "Tuesday"),
    ("2", "Wednesday"),
    ("3", "Thursday"),
    ("4", "Friday"),
    ("5", "Saturday"),
    ("6", "Sunday"),
)


def validate_open_days(value: str) -> None:
    """At least one weekday digit 0–6, each once."""
    if not value or any(c not in "0123456" for c in value) or len(set(value)) != len(value):
        raise ValidationError(_("Choose at least one day the clinic is open."))


def validate_time_zone(value: str) -> None:
    """Accept only names from the IANA time-zone database."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list (for example Europe/London)."))


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    PROVIDER = "provider", _("Provider")
    ADMIN = "admin", _("Clinic admin")


class UserQuerySet(models.QuerySet["User"]):
    def patients(self) -> UserQuerySet:
        return self.filter(role=Role.PATIENT)

    def providers(self) -> UserQuerySet:
        return self.filter(role=Role.PROVIDER)


if TYPE_CHECKING:  # the class `from_queryset` builds, spelled out for the type checker

    class _UserManagerBase(BaseUserManager["User"]):
        def get_queryset(self) -> UserQuerySet: ...
        def patients(self) -> UserQuerySet: ...
        def providers(self) -> UserQuerySet: ...

else:
    _UserManagerBase = BaseUserManager.from_queryset(UserQuerySet)


class UserManager(_UserManagerBase):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("role", Role.PATIENT)
        fields.setdefault("is_staff", fields["role"] == Role.ADMIN)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        fields.setdefault("display_name", "Administrator")
        return self._create(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.PATIENT)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    # The language this person reads the app, its emails and notifications in (one of
    # settings.LANGUAGES). Enrollment stores the browser's; account settings change it.
    language = models.CharField(max_length=8, default="en", choices=settings.LANGUAGES)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False,
        help_text=_("Can open the clinic admin console (clinic admins only)."),
    )
    date_joined = models.DateTimeField(default=timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Patients may choose a longer idle timeout than the clinic default (minutes).
    idle_timeout_minutes = models.PositiveIntegerField(null=True, blank=True)
    # A short code a provider can give a patient so the patient can find them to share.
    provider_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    # Set when the patient asked for erasure; the journal is erased after this instant.
    erasure_due_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        ordering = ["display_name", "email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=["patient", "provider", "admin"]), name="user_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_provider(self) -> bool:
        return self.role == Role.PROVIDER

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def has_enrolled(self) -> bool:
        """Whether this person ever set a password of their own (followed an enrollment link,
        or was created with a password). Enrollment links exist only for accounts that have
        not: an enrolled person who lost access recovers through a reset to their own email."""
        if self.pk is None:
            return False
        if self.has_usable_password():
            return True
        return Invitation.objects.filter(user_id=self.pk, used_at__isnull=False).exists()


class ClinicSettings(models.Model):
    """The one row of clinic-wide settings and flag thresholds (defaults from DESIGN.md)."""

    clinic_name = models.CharField(max_length=120, default="Aftercare clinic")
    clinic_phone = models.CharField(
        max_length=40, blank=True, help_text=_("Needed before patients can be enrolled.")
    )
    after_hours_phone = models.CharField(
        max_length=40,
        blank=True,
        help_text=_("The number patients call outside clinic hours. Needed before enrolling."),
    )
    emergency_number = models.CharField(max_length=20, default="911")
    crisis_number = models.CharField(max_length=20, default="988")

    severe_systolic = models.PositiveSmallIntegerField(
        default=180, validators=[MinValueValidator(100), MaxValueValidator(300)]
    )
    severe_diastolic = models.PositiveSmallIntegerField(
        default=120, validators=[MinValueValidator(60), MaxValueValidator(200)]
    )
    predose_systolic = models.PositiveSmallIntegerField(
        default=140, validators=[MinValueValidator(90), MaxValueValidator(300)]
    )
    predose_diastolic = models.PositiveSmallIntegerField(
        default=90, validators=[MinValueValidator(50), MaxValueValidator(200)]
    )
    rise_systolic = models.PositiveSmallIntegerField(
        default=40, validators=[MinValueValidator(5), MaxValueValidator(150)]
    )
    rise_diastolic = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(5), MaxValueValidator(150)]
    )
    pulse_high = models.PositiveSmallIntegerField(
        default=120,
        validators=[MinValueValidator(60), MaxValueValidator(250)],
        help_text=_("A pulse above this (per minute) is flagged."),
    )
    pulse_low = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(20), MaxValueValidator(100)],
        help_text=_("A pulse below this (per minute) is flagged."),
    )
    very_low_mood = models.PositiveSmallIntegerField(
        default=1,
        validators=[MaxValueValidator(10)],
        help_text=_("Any single entry with mood at or below this is flagged."),
    )
    low_mood = models.PositiveSmallIntegerField(
        default=2,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "Sustained low mood: the mean of daily means over the last 3 days at or below "
            "this (with entries on at least 2 of them) is flagged."
        ),
    )
    mood_drop = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_(
            "Sustained low mood: a 7-day mean this many points below the patient's own "
            "mean of the 28 days before is flagged."
        ),
    )
    phq9_severe = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(27)]
    )
    phq9_worsening = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(27)],
        help_text=_("A PHQ-9 total this many points above the previous one or the baseline."),
    )
    gad7_severe = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(21)]
    )
    heavy_bother = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_(
            "Overall bother (1 Mild … 4 Very severe) at or above which a report is flagged."
        ),
    )
    heavy_effects_count = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(15)],
        help_text=_("This many acute effects at the severity below, in one report, are flagged."),
    )
    heavy_effects_severity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    lingering_hours = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(48)],
        help_text=_(
            "Effects still present in a report written this many hours after the session "
            "began are flagged."
        ),
    )
    memory_severity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    rising_urinary_checkins = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(10)],
        help_text=_("Urinary ratings higher in each of this many consecutive check-ins."),
    )
    severe_side_effect = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_(
            "Severity (1 Mild … 4 Very severe) at or above which a side effect is flagged."
        ),
    )
    cravings_severity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    urinary_severity = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    enrollment_link_hours = models.PositiveSmallIntegerField(
        default=72, validators=[MinValueValidator(1), MaxValueValidator(24 * 14)]
    )
    erasure_grace_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(0), MaxValueValidator(365)]
    )
    staff_idle_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(24 * 60)]
    )
    # Reminders (local time of each patient) and clinician alerts.
    report_reminder_time = models.TimeField(
        default=time(19, 0),
        help_text=_(
            "Evening reminder to finish a post-session report (never before the session + 3 hours)."
        ),
    )
    checkin_reminder_time = models.TimeField(default=time(18, 0))
    questionnaire_reminder_time = models.TimeField(default=time(10, 0))
    questionnaire_interval_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("PHQ-9 and GAD-7 every this many days, counted from the first session."),
    )
    quiet_start = models.TimeField(
        default=time(21, 30),
        help_text=_("No reminder is sent between quiet start and end."),
    )
    quiet_end = models.TimeField(default=time(8, 0))
    clinic_opens = models.TimeField(
        default=time(8, 0),
        help_text=_("Alerts raised outside clinic hours wait for opening."),
    )
    clinic_closes = models.TimeField(default=time(18, 0))
    clinic_time_zone = models.CharField(
        max_length=64,
        default="America/New_York",
        validators=[validate_time_zone],
        help_text=_(
            "The zone of the clinic hours and open days (an IANA name, e.g. Europe/Berlin)."
        ),
    )
    clinic_open_days = models.CharField(
        max_length=7,
        default="01234",
        validators=[validate_open_days],
        help_text=_(
            "Days the clinic is open; alerts raised on other days wait for the next "
            "open day's opening."
        ),
    )
    alert_on_high = models.BooleanField(
        default=False,
        help_text=_("Alert providers for high flags too (urgent flags always)."),
    )
    on_call_email = models.EmailField(
        blank=True,
        help_text=_("Optional address that receives every urgent alert at once."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("clinic settings")
        verbose_name_plural = _("clinic settings")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_settings_singleton")]

    def __str__(self) -> str:
        return self.clinic_name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The clinic's zone, in which its hours and open days are meant."""
        return zoneinfo.ZoneInfo(self.clinic_time_zone)

    @property
    def open_weekdays(self) -> frozenset[int]:
        """The weekdays (Monday 0 … Sunday 6) the clinic is open."""
        return frozenset(int(c) for c in self.clinic_open_days)

    @classmethod
    def load(cls) -> ClinicSettings:
        obj, _ = cls.objects.get_or_create(
            pk=1,
            defaults={
                "clinic_name": settings.CLINIC_NAME,
                "clinic_phone": settings.CLINIC_PHONE,
                "after_hours_phone": settings.CLINIC_AFTER_HOURS_PHONE,
                "emergency_number": settings.EMERGENCY_NUMBER,
                "crisis_number": settings.CRISIS_NUMBER,
                "enrollment_link_hours": settings.ENROLLMENT_LINK_HOURS,
            },
        )
        return obj

    @classmethod
    def load_thresholds(cls) -> Thresholds:
        """The clinic's current flag thresholds and contact numbers."""
        return cls.load().thresholds()

    def thresholds(self) -> Thresholds:
        """This row's flag thresholds and contact numbers as a plain value."""
        return Thresholds(**{name: getattr(self, name) for name in _THRESHOLD_FIELDS})


_THRESHOLD_FIELDS = tuple(f.name for f in fields(Thresholds))


class Invitation(models.Model):
    """A single-use, expiring enrollment link; only a hash of its token is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.user} ({self.created_at:%Y-%m-%d})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class EmailChangeRequest(models.Model):
    """A pending change of login email, confirmed by a single-use, expiring link mailed to the
    new address; only a hash of the link's token is stored, so the link names no address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    new_email = models.EmailField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Email change for {self.user} ({self.created_at:%Y-%m-%d})"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.used_at is None and now < self.expires_at
