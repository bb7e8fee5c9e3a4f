"""What a patient records: sessions, reports, symptom ratings, check-ins, blood pressure,
questionnaires, and the revisions kept when an entry is edited or deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

if TYPE_CHECKING:
    # Lazy at runtime (read in the active language where shown, so an export rendered under
    # `translation.override("en")` reads English); typed as the str it turns into.
    def _(message: str) -> str:
        return message
else:
    from django.utils.translation import gettext_lazy as _

SEVERITY_CHOICES = [(0, "None"), (1, "Mild"), (2, "Moderate"), (3, "Severe"), (4, "Very severe")]
score_0_10 = [MinValueValidator(0), MaxValueValidator(10)]
severity_0_4 = [MinValueValidator(0), MaxValueValidator(4)]


class Route(models.TextChoices):
    IV = "iv", _("IV infusion")
    INTRANASAL = "intranasal", _("Intranasal spray")
    IM = "im", _("IM injection")
    ORAL = "oral", _("Oral / sublingual")
    OTHER = "other", _("Other")


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
    BEFORE_DOSE = "before", _("Before dose")
    AFTER_DOSE = "after40", _("About 40 minutes after dose")
    DISCHARGE = "discharge", _("At discharge")
    HOME = "home", _("At home")


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
                {"diastolic": _("The lower number (diastolic) must be below the upper (systolic).")}
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

    @property
    def band_label(self) -> str:
        """The stored (English) band in the reader's language, for pages."""
        from journal.catalogue import band_label

        return band_label(self.band)


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
