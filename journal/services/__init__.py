"""Every write in Aftercare: keyword-only, typed, atomic, validated before save, audited.

Views, forms and the admin call these; nothing else writes to the database. One module per
area; the names most callers need are re-exported here.
"""

from journal.services.accounts import (
    InvitationError,
    accept_invitation,
    create_account,
    deactivate_account,
    end_sessions,
    enrollment_url,
    find_invitation,
    issue_invitation,
    reactivate_account,
    update_clinic_settings,
)
from journal.services.audit import record_audit

__all__ = [
    "InvitationError",
    "accept_invitation",
    "create_account",
    "deactivate_account",
    "end_sessions",
    "enrollment_url",
    "find_invitation",
    "issue_invitation",
    "reactivate_account",
    "record_audit",
    "update_clinic_settings",
]
