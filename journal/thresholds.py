"""The clinic's flag thresholds and contact numbers as one plain value.

Flag rules and charts both take a `Thresholds`; `ClinicSettings.load_thresholds()` builds it
from the clinic settings row, and `DEFAULT_THRESHOLDS` holds the defaults DESIGN.md §3 names.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The clinic's flag thresholds and the numbers guidance tells people to call."""

    severe_systolic: int = 180
    severe_diastolic: int = 120
    predose_systolic: int = 140
    predose_diastolic: int = 90
    rise_systolic: int = 40
    rise_diastolic: int = 25
    pulse_high: int = 120
    pulse_low: int = 50
    very_low_mood: int = 1
    low_mood: int = 2  # sustained low mood: 3-day mean of daily means at or below
    mood_drop: int = 3  # sustained low mood: 7-day mean this far below the 28 days before
    phq9_severe: int = 20
    phq9_worsening: int = 5
    gad7_severe: int = 15
    severe_side_effect: int = 3
    heavy_bother: int = 3
    heavy_effects_count: int = 3
    heavy_effects_severity: int = 2
    lingering_hours: int = 3
    cravings_severity: int = 2
    urinary_severity: int = 2
    memory_severity: int = 2
    rising_urinary_checkins: int = 3
    clinic_name: str = "the clinic"
    clinic_phone: str = ""
    after_hours_phone: str = ""
    emergency_number: str = "911"
    crisis_number: str = "988"

    @property
    def call_clinic(self) -> str:
        """'call the clinic on 555-0100 (after hours 555-0199)'; without numbers on file,
        'call your clinic'. In the reader's language: an instruction that fits into the
        guidance sentences of `journal.flags`."""
        values = {
            # The default name is a phrase, not a name: it is translated; a clinic's name is not.
            "clinic": _("the clinic") if self.clinic_name == "the clinic" else self.clinic_name,
            "phone": self.clinic_phone,
            "after_hours": self.after_hours_phone,
        }
        if self.clinic_phone and self.after_hours_phone:
            return _("call %(clinic)s on %(phone)s (after hours: %(after_hours)s)") % values
        if self.clinic_phone:
            return _("call %(clinic)s on %(phone)s") % values
        if self.after_hours_phone:
            return _("call %(clinic)s (after hours: %(after_hours)s)") % values
        return _("call your clinic")

    @property
    def contacts_complete(self) -> bool:
        """Both the clinic phone and the after-hours number are set (needed to enroll)."""
        return bool(self.clinic_phone.strip() and self.after_hours_phone.strip())


DEFAULT_THRESHOLDS = Thresholds()
