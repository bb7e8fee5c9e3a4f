"""A baseline questionnaire a provider chose for a patient's outcome (DESIGN.md §3b)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from journal.models.journal import Instrument, QuestionnaireResponse


class MarkedBaseline(models.Model):
    """The PHQ-9 or GAD-7 a sharing provider marked as a patient's baseline, in place of the
    automatic one (the latest in the 7 days up to the first session). One per patient and
    instrument; the patient sees who marked it and when. Deleting the questionnaire removes the
    mark (the outcome falls back to the automatic baseline)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.CharField(max_length=8, choices=Instrument.choices)
    questionnaire = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.CASCADE, related_name="+"
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument"], name="one_marked_baseline_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Baseline {self.instrument} of {self.patient_id}: {self.questionnaire_id}"
