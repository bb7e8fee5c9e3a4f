"""The "Devices" page: a person's open sessions, this one first, then the most recently used."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from journal.models import UserSession
from journal.user_agents import device_label


@dataclass(frozen=True)
class Device:
    """One open session as the page shows it; `id` is the row's, never the session key."""

    id: int
    label: str
    network: str
    signed_in_at: datetime
    last_seen_at: datetime
    is_current: bool


def device(row: UserSession, *, current_key: str | None) -> Device:
    """The page's view of one session row."""
    return Device(
        id=row.pk,
        label=device_label(row.user_agent),
        network=row.ip_prefix,
        signed_in_at=row.created_at,
        last_seen_at=row.last_seen_at,
        is_current=bool(current_key) and row.session_key == current_key,
    )


def devices_page(sessions: QuerySet[UserSession], *, current_key: str | None) -> dict[str, object]:
    """Everything the page shows, from the sessions `permissions.own_devices` allows."""
    rows = [device(row, current_key=current_key) for row in sessions]
    rows.sort(key=lambda d: not d.is_current)  # stable: the rest stay newest first
    return {"devices": rows, "others": sum(not d.is_current for d in rows)}
