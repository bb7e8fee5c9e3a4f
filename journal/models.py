"""Aftercare's data model.

Instants are stored in UTC (USE_TZ); each user carries an IANA zone used to enter, show and
bucket times. Symptom ratings are rows keyed by a catalogue code, so adding a symptom to
`journal.catalogue` needs no schema change.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def validate_time_zone(value: str) -> None:
    """Accept only names from the IANA time-zone database."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError("Choose a time zone from the list (for example Europe/London).")


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    PROVIDER = "provider", "Provider"
    ADMIN = "admin", "Clinic admin"


class UserQuerySet(models.QuerySet):
    def patients(self) -> UserQuerySet:
        return self.filter(role=Role.PATIENT)

    def providers(self) -> UserQuerySet:
        return self.filter(role=Role.PROVIDER)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
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
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text="Can open the clinic admin console (clinic admins only)."
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


class ClinicSettings(models.Model):
    """The one row of clinic-wide settings and flag thresholds (defaults from DESIGN.md)."""

    clinic_name = models.CharField(max_length=120, default="Aftercare clinic")
    clinic_phone = models.CharField(max_length=40, blank=True)
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
    low_mood = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)], help_text="Mood at or below this is flagged."
    )
    phq9_severe = models.PositiveSmallIntegerField(
        default=20, validators=[MinValueValidator(1), MaxValueValidator(27)]
    )
    severe_side_effect = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text="Severity (1 Mild … 4 Very severe) at or above which a side effect is flagged.",
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
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic settings"
        verbose_name_plural = "clinic settings"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="clinic_settings_singleton")]

    def __str__(self) -> str:
        return self.clinic_name

    @classmethod
    def load(cls) -> ClinicSettings:
        obj, _ = cls.objects.get_or_create(
            pk=1,
            defaults={
                "clinic_name": settings.CLINIC_NAME,
                "clinic_phone": settings.CLINIC_PHONE,
                "emergency_number": settings.EMERGENCY_NUMBER,
                "crisis_number": settings.CRISIS_NUMBER,
                "enrollment_link_hours": settings.ENROLLMENT_LINK_HOURS,
            },
        )
        return obj


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


class AppendOnlyModel(models.Model):
    """Rows are written once and never changed (audit trails)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Audit records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Audit records are append-only.")


class AuditEvent(AppendOnlyModel):
    """Security and account events: who did what to which account, from where, with what result."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=48, db_index=True)
    outcome = models.CharField(max_length=16, default="success")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A keyed hash of an attempted login name that matched no account (never the name itself).
    attempted_hash = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.outcome}"


# --- Journal ------------------------------------------------------------------------------

SEVERITY_CHOICES = [(0, "None"), (1, "Mild"), (2, "Moderate"), (3, "Severe"), (4, "Very severe")]
score_0_10 = [MinValueValidator(0), MaxValueValidator(10)]
severity_0_4 = [MinValueValidator(0), MaxValueValidator(4)]


class Route(models.TextChoices):
    IV = "iv", "IV infusion"
    INTRANASAL = "intranasal", "Intranasal spray"
    IM = "im", "IM injection"
    ORAL = "oral", "Oral / sublingual"
    OTHER = "other", "Other"


class PatientOwned(models.Model):
    """Common columns of everything a patient records."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Optimistic-locking counter: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True


class TreatmentSession(PatientOwned):
    started_at = models.DateTimeField()
    route = models.CharField(max_length=16, choices=Route.choices)
    dose_mg = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(2000)],
    )
    note = models.TextField(blank=True, max_length=5000)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["patient", "started_at"])]

    def __str__(self) -> str:
        return f"{self.get_route_display()} session {self.started_at:%Y-%m-%d}"


class PostSessionReport(PatientOwned):
    session = models.OneToOneField(
        TreatmentSession, on_delete=models.CASCADE, related_name="report"
    )
    reported_at = models.DateTimeField()
    mood = models.PositiveSmallIntegerField(validators=score_0_10)
    overall_bother = models.PositiveSmallIntegerField(
        default=0, choices=SEVERITY_CHOICES, validators=severity_0_4
    )
    note = models.TextField(blank=True, max_length=5000)
    note_shareable = models.BooleanField(default=False)

    class Meta:
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["patient", "reported_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(mood__lte=10), name="report_mood_0_10"),
            models.CheckConstraint(condition=Q(overall_bother__lte=4), name="report_bother_0_4"),
        ]

    def __str__(self) -> str:
        return f"Report {self.reported_at:%Y-%m-%d}"


class CheckIn(PatientOwned):
    recorded_at = models.DateTimeField()
    mood = models.PositiveSmallIntegerField(validators=score_0_10)
    anxiety = models.PositiveSmallIntegerField(null=True, blank=True, validators=score_0_10)
    pain = models.PositiveSmallIntegerField(null=True, blank=True, validators=score_0_10)
    note = models.TextField(blank=True, max_length=5000)
    note_shareable = models.BooleanField(default=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["patient", "recorded_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(mood__lte=10), name="checkin_mood_0_10"),
            models.CheckConstraint(
                condition=Q(anxiety__isnull=True) | Q(anxiety__lte=10), name="checkin_anxiety_0_10"
            ),
            models.CheckConstraint(
                condition=Q(pain__isnull=True) | Q(pain__lte=10), name="checkin_pain_0_10"
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.recorded_at:%Y-%m-%d %H:%M}"


class SymptomRating(models.Model):
    """One catalogue symptom rated on a report or a check-in (exactly one of the two)."""

    report = models.ForeignKey(
        PostSessionReport, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings"
    )
    code = models.CharField(max_length=40)
    severity = models.PositiveSmallIntegerField(choices=SEVERITY_CHOICES, validators=severity_0_4)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(report__isnull=False) & Q(checkin__isnull=True))
                | (Q(report__isnull=True) & Q(checkin__isnull=False)),
                name="rating_has_one_parent",
            ),
            models.CheckConstraint(condition=Q(severity__lte=4), name="rating_severity_0_4"),
            models.UniqueConstraint(
                fields=["report", "code"],
                condition=Q(report__isnull=False),
                name="rating_unique_per_report",
            ),
            models.UniqueConstraint(
                fields=["checkin", "code"],
                condition=Q(checkin__isnull=False),
                name="rating_unique_per_checkin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}={self.severity}"


class ReadingContext(models.TextChoices):
    BEFORE_DOSE = "before", "Before dose"
    AFTER_DOSE = "after40", "About 40 minutes after dose"
    DISCHARGE = "discharge", "At discharge"
    HOME = "home", "At home"


class BloodPressureReading(PatientOwned):
    session = models.ForeignKey(
        TreatmentSession, null=True, blank=True, on_delete=models.CASCADE, related_name="readings"
    )
    report = models.ForeignKey(
        PostSessionReport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="readings",
    )
    measured_at = models.DateTimeField()
    context = models.CharField(max_length=16, choices=ReadingContext.choices)
    systolic = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(40), MaxValueValidator(300)]
    )
    diastolic = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(20), MaxValueValidator(200)]
    )
    pulse = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(250)]
    )

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["patient", "measured_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(diastolic__lt=models.F("systolic")), name="reading_diastolic_below"
            ),
            models.CheckConstraint(
                condition=Q(systolic__gte=40, systolic__lte=300), name="reading_systolic_range"
            ),
            models.CheckConstraint(
                condition=Q(diastolic__gte=20, diastolic__lte=200), name="reading_diastolic_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.systolic}/{self.diastolic}"

    def clean(self) -> None:
        if (
            self.systolic is not None
            and self.diastolic is not None
            and self.diastolic >= self.systolic
        ):
            raise ValidationError(
                {"diastolic": "The lower number (diastolic) must be below the upper (systolic)."}
            )


class Instrument(models.TextChoices):
    PHQ9 = "phq9", "PHQ-9"
    GAD7 = "gad7", "GAD-7"


class QuestionnaireResponse(PatientOwned):
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    completed_at = models.DateTimeField()
    # Item scores in instrument order, each 0-3.
    answers = models.JSONField()
    # The "how difficult have these problems made it" item (0-3), not part of the total.
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True)
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=32)

    class Meta:
        ordering = ["-completed_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.get_instrument_display()} {self.total} ({self.band})"


class FlagCategory(models.TextChoices):
    """The share category a flag belongs to (providers see it only with that category)."""

    MOOD = "mood", "Mood & questionnaires"
    SIDE_EFFECTS = "side_effects", "Side effects"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure"


class Flag(models.Model):
    """A rule from `journal.flags` that fired on one record; kept for triage and acknowledgement."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=32)
    category = models.CharField(max_length=20, choices=FlagCategory.choices)
    # 3 = urgent, 2 = high, 1 = notable; drives triage ordering.
    severity = models.PositiveSmallIntegerField(default=2)
    raised_at = models.DateTimeField(help_text="When the flagged measurement or answer was taken.")
    created_at = models.DateTimeField(default=timezone.now)
    detail = models.JSONField(default=dict, blank=True)
    report = models.ForeignKey(
        PostSessionReport, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reading = models.ForeignKey(
        BloodPressureReading,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    questionnaire = models.ForeignKey(
        QuestionnaireResponse,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-severity", "-raised_at", "-id"]
        indexes = [
            models.Index(fields=["patient", "acknowledged_at", "raised_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.raised_at:%Y-%m-%d}"


class EntryRevision(models.Model):
    """What an entry looked like before an edit or deletion; the patient's visible history."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    entry_type = models.CharField(max_length=24)
    entry_id = models.PositiveBigIntegerField()
    version = models.PositiveIntegerField()
    action = models.CharField(max_length=12, default="edit")
    data = models.JSONField()
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["patient", "entry_type", "entry_id"])]

    def __str__(self) -> str:
        return f"{self.entry_type} #{self.entry_id} v{self.version}"


# --- Sharing and access ------------------------------------------------------------------


class ShareCategory(models.TextChoices):
    MOOD = "mood", "Mood & questionnaires"
    SIDE_EFFECTS = "side_effects", "Side effects"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure"
    NOTES = "notes", "Notes you marked shareable"


class Share(models.Model):
    """A patient's grant to one provider: which categories, from when, until when; revocable."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    share_mood = models.BooleanField("Mood & questionnaires", default=False)
    share_side_effects = models.BooleanField("Side effects", default=False)
    share_blood_pressure = models.BooleanField("Blood pressure", default=False)
    share_notes = models.BooleanField("Notes you marked shareable", default=False)
    starts_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["provider", "revoked_at"]),
            # Per-flag "does an active share grant this category?" checks
            # (permissions.flags_visible_to) and the patient's own share list.
            models.Index(fields=["patient", "provider"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(expires_on__isnull=True)
                | Q(expires_on__gte=models.F("starts_on")),
                name="share_expiry_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Share {self.patient} → {self.provider}"


class ShareEvent(AppendOnlyModel):
    """Grant, change, revoke and expiry history of a share (kept forever)."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d}"


class AccessEvent(AppendOnlyModel):
    """A read of patient data by someone other than the patient (page, chart, export)."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    share = models.ForeignKey(
        Share, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    what = models.CharField(max_length=64)
    path = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.actor} viewed {self.what} of {self.patient}"


# --- Reliability --------------------------------------------------------------------------


class SubmissionToken(models.Model):
    """One rendered form's one-time token: the first POST that claims it does the write,
    a replay of it is sent to that write's result instead of writing again."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    result_url = models.CharField(max_length=500, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        state = "completed" if self.completed_at else "claimed"
        return f"Submission {self.token[:8]}… {state}"
