"""Aftercare's data model.

Instants are stored in UTC (USE_TZ); each user carries an IANA zone used to enter, show and
bucket times. Symptom ratings are rows keyed by a catalogue code, so adding a symptom to
`journal.catalogue` needs no schema change.

One module per area; every public name is re-exported here, so callers (and the migration)
import from `journal.models`. The modules import each other in one direction only (flags from
journal, sharing from audit); other models are referred to through settings.AUTH_USER_MODEL.
"""

from journal.models.accounts import (
    ClinicSettings,
    EmailChangeRequest,
    Invitation,
    Role,
    User,
    UserManager,
    UserQuerySet,
    validate_time_zone,
)
from journal.models.audit import AppendOnlyModel, AuditEvent, ErasedAuditRow
from journal.models.devices import UserSession, UserSessionQuerySet
from journal.models.flags import Flag, FlagCategory, FlagDisposition, FlagSeverity
from journal.models.journal import (
    SEVERITY_CHOICES,
    BloodPressureReading,
    CheckIn,
    EntryRevision,
    Instrument,
    PatientOwned,
    PostSessionReport,
    QuestionnaireResponse,
    ReadingContext,
    Route,
    SymptomRating,
    TreatmentSession,
    score_0_10,
    severity_0_4,
)
from journal.models.notifications import (
    AlertRecord,
    Channel,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    PushSubscription,
)
from journal.models.outcomes import MarkedBaseline
from journal.models.sharing import AccessEvent, Share, ShareCategory, ShareEvent, TriageStanding
from journal.models.submissions import SubmissionToken

__all__ = [
    "SEVERITY_CHOICES",
    "AccessEvent",
    "AlertRecord",
    "AppendOnlyModel",
    "AuditEvent",
    "BloodPressureReading",
    "Channel",
    "CheckIn",
    "ClinicSettings",
    "EmailChangeRequest",
    "EntryRevision",
    "ErasedAuditRow",
    "Flag",
    "FlagCategory",
    "FlagDisposition",
    "FlagSeverity",
    "Instrument",
    "Invitation",
    "MarkedBaseline",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "NotificationStatus",
    "PatientOwned",
    "PostSessionReport",
    "PushSubscription",
    "QuestionnaireResponse",
    "ReadingContext",
    "Role",
    "Route",
    "Share",
    "ShareCategory",
    "ShareEvent",
    "SubmissionToken",
    "SymptomRating",
    "TreatmentSession",
    "TriageStanding",
    "User",
    "UserManager",
    "UserQuerySet",
    "UserSession",
    "UserSessionQuerySet",
    "score_0_10",
    "severity_0_4",
    "validate_time_zone",
]
