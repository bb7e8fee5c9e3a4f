"""Append-only audit of security and account events."""

from __future__ import annotations

import hashlib

from django.conf import settings

from journal.http import current_user_agent, escape_control
from journal.models import AuditEvent, User
from journal.services import audit_chain


def _clean_detail(value: object) -> object:
    """Escape control characters in strings so a log line cannot be forged."""
    if isinstance(value, str):
        return escape_control(value)[:200]
    if isinstance(value, dict):
        return {str(k)[:40]: _clean_detail(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_detail(v) for v in value]
    return value


def record_audit(
    *,
    action: str,
    actor: User | None = None,
    subject: User | None = None,
    ip: str | None = None,
    outcome: str = "success",
    attempted_name: str | None = None,
    detail: dict | None = None,
    user_agent: str | None = None,
) -> AuditEvent:
    """Append one security/account event; attempted names are stored only as a keyed hash."""
    attempted_hash = ""
    if attempted_name:
        attempted_hash = hashlib.blake2b(
            attempted_name.strip().lower().encode(),
            key=settings.SECRET_KEY.encode()[:64],
            digest_size=16,
        ).hexdigest()
    event = AuditEvent(
        action=action[:48],
        outcome=outcome[:16],
        actor=actor if actor is not None and actor.pk else None,
        subject=subject if subject is not None and subject.pk else None,
        ip=ip or None,
        user_agent=current_user_agent() if user_agent is None else user_agent,
        attempted_hash=attempted_hash,
        detail=_clean_detail(detail or {}),
    )
    # Actor and subject are rows this request has read (they have ids): not looked up again
    # (the foreign keys still hold them to existing users).
    event.full_clean(exclude=[name for name in ("actor", "subject") if getattr(event, name)])
    audit_chain.append([event])
    return event
