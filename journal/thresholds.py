"""The clinic's flag thresholds and contact numbers as one plain value.

Flag rules and charts both take a `Thresholds`; `ClinicSettings.load_thresholds()` builds it
from the clinic settings row, and `DEFAULT_THRESHOLDS` holds the defaults DESIGN.md names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The clinic's flag thresholds and the numbers guidance tells people to call."""

    severe_systolic: int = 180
    severe_diastolic: int = 120
    predose_systolic: int = 140
    predose_diastolic: int = 90
    rise_systolic: int = 40
    rise_diastolic: int = 25
    low_mood: int = 2
    phq9_severe: int = 20
    severe_side_effect: int = 3
    cravings_severity: int = 2
    urinary_severity: int = 2
    clinic_name: str = "the clinic"
    clinic_phone: str = ""
    emergency_number: str = "911"
    crisis_number: str = "988"

    @property
    def call_clinic(self) -> str:
        """'call the clinic on 555-0100' or, with no number on file, 'call your clinic'."""
        if self.clinic_phone:
            return f"call {self.clinic_name} on {self.clinic_phone}"
        return "call your clinic"


DEFAULT_THRESHOLDS = Thresholds()
