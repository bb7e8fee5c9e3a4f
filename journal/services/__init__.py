"""Every write in Aftercare: keyword-only, typed, atomic, validated before save, audited.

Views, forms and the admin call these; nothing else writes to the database. One module per
area; the names most callers need are re-exported here.
"""

from journal.services.accounts import (
    InvitationError,
    accept_invitation,
    change_role,
    create_account,
    deactivate_account,
    enrollment_url,
    find_invitation,
    issue_invitation,
    reactivate_account,
    update_account,
    update_clinic_settings,
)
from journal.services.audit import record_audit
from journal.services.devices import end_sessions
from journal.services.journal import (  # --- Journal ---
    ReadingInput,
    StaleEdit,
    add_reading,
    default_reading_time,
    delete_checkin,
    delete_questionnaire,
    delete_reading,
    delete_report,
    delete_session,
    edit_checkin,
    edit_questionnaire,
    edit_reading,
    edit_report,
    edit_session,
    log_checkin,
    log_session,
    log_session_with_report,
    submit_questionnaire,
    submit_report,
)
from journal.services.sharing import (  # --- Sharing ---
    acknowledge_flag,
    acknowledge_flags,
    grant_share,
    record_access,
    record_expired_shares,
    record_list_access,
    resume_share,
    revoke_share,
    update_share,
)

__all__ = [
    "InvitationError",
    # --- Journal ---
    "ReadingInput",
    "StaleEdit",
    "accept_invitation",
    # --- Sharing ---
    "acknowledge_flag",
    "acknowledge_flags",
    "add_reading",
    "change_role",
    "create_account",
    "deactivate_account",
    "default_reading_time",
    "delete_checkin",
    "delete_questionnaire",
    "delete_reading",
    "delete_report",
    "delete_session",
    "edit_checkin",
    "edit_questionnaire",
    "edit_reading",
    "edit_report",
    "edit_session",
    "end_sessions",
    "enrollment_url",
    "find_invitation",
    "grant_share",
    "issue_invitation",
    "log_checkin",
    "log_session",
    "log_session_with_report",
    "reactivate_account",
    "record_access",
    "record_audit",
    "record_expired_shares",
    "record_list_access",
    "resume_share",
    "revoke_share",
    "submit_questionnaire",
    "submit_report",
    "update_account",
    "update_clinic_settings",
    "update_share",
]
