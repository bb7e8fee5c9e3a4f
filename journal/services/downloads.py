"""Recording the patient's own download of everything (audit row and access event)."""

from __future__ import annotations

from django.db import transaction

from journal.http import current_user_agent
from journal.models import AccessEvent, User
from journal.services import audit_chain
from journal.services.audit import record_audit

EVERYTHING = "export everything"


@transaction.atomic
def record_everything_download(*, patient: User, path: str = "", ip: str | None = None) -> None:
    """Audit a download of the whole journal and list it in the patient's "Who viewed my
    data", so a download from a stolen session does not go unseen."""
    record_audit(action="export.everything", actor=patient, subject=patient, ip=ip)
    event = AccessEvent(
        actor=patient,
        patient=patient,
        what=EVERYTHING,
        path=path[:300],
        ip=ip,
        user_agent=current_user_agent(),
    )
    event.full_clean(exclude=["actor", "patient"])
    audit_chain.append([event])
