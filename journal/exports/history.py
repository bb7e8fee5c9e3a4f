"""The patient's history for "Download everything": shares, consent history, who viewed the
data, the edit history of their entries, and their reminders (choices, push devices, what was
sent).

`read_history` reads it for one patient; `history_files` turns it into files for the archive
(CSV with the same cell rules as the CSV export; edits as JSON, since each revision keeps the
whole entry as it was). Other people appear only as the names the patient already sees on
their sharing pages: a provider's display name; clinic staff and automatic changes by role;
nobody's address or contact details.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from journal.access_wording import describe_access
from journal.exports.csv_export import write_csv
from journal.models import (
    AccessEvent,
    EntryRevision,
    Notification,
    NotificationPreference,
    PushSubscription,
    Share,
    ShareEvent,
    User,
)
from journal.permissions import shared_categories

YOU = "you"
AUTOMATIC = "automatic"
CLINIC = "clinic staff"
DELETED = "a deleted account"
FOLDER = "history"


@dataclass(frozen=True)
class ShareRow:
    id: int
    provider: str
    categories: str
    starts_on: str | None
    expires_on: str | None
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class ConsentRow:
    at: dt.datetime
    share_id: int
    provider: str
    action: str
    by: str
    categories: str
    starts_on: str | None
    expires_on: str | None


@dataclass(frozen=True)
class AccessRow:
    at: dt.datetime
    who: str
    what: str
    share_id: int | None


@dataclass(frozen=True)
class RevisionRow:
    changed_at: dt.datetime
    entry_type: str
    entry_id: int
    version: int
    action: str
    data: dict[str, Any]


@dataclass(frozen=True)
class PushDeviceRow:
    # The push service's host only: the full endpoint address and the subscription's keys
    # (p256dh, auth) are what lets anyone send to that browser, so they stay out of a file
    # that may be copied around; the host says which service (and so which browser) it is.
    push_service: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class NotificationRow:
    # What and when only: no claim token, lease or error text of the sending machinery.
    kind: str
    due_at: dt.datetime
    sent_at: dt.datetime | None
    channel: str
    status: str
    read_at: dt.datetime | None


@dataclass(frozen=True)
class History:
    time_zone: str
    shares: list[ShareRow]
    consent: list[ConsentRow]
    access: list[AccessRow]
    revisions: list[RevisionRow]
    # The reminder choices as stored (empty: the clinic's defaults were never overridden).
    preferences: dict[str, Any]
    push_devices: list[PushDeviceRow]
    notifications: list[NotificationRow]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


def _person(user: User | None, patient: User) -> str:
    """How someone is named to the patient: themselves, a provider by name, staff by role."""
    if user is None:
        return DELETED
    if user.pk == patient.pk:
        return YOU
    return user.display_name if user.is_provider else CLINIC


def _categories(names: list[str] | frozenset[str]) -> str:
    return "; ".join(sorted(names))


def _preferences(patient: User) -> dict[str, Any]:
    pref = NotificationPreference.objects.filter(user=patient).first()
    if pref is None:
        return {}
    names = [f.name for f in NotificationPreference._meta.concrete_fields]
    return {
        name: getattr(pref, name).isoformat()
        if isinstance(getattr(pref, name), dt.time | dt.datetime)
        else getattr(pref, name)
        for name in names
        if name not in {"id", "user"}
    }


def read_history(patient: User) -> History:
    """Every share, share event, access event and entry revision of `patient`, oldest first,
    and their reminder choices, push devices and notifications."""
    shares = list(Share.objects.filter(patient=patient).select_related("provider").order_by("pk"))
    events = ShareEvent.objects.filter(share__patient=patient).select_related(
        "share__provider", "actor"
    )
    accesses = AccessEvent.objects.filter(patient=patient).select_related("actor")
    revisions = EntryRevision.objects.filter(patient=patient)
    return History(
        time_zone=patient.time_zone,
        shares=[
            ShareRow(
                id=s.pk,
                provider=s.provider.display_name,
                categories=_categories(shared_categories(s)),
                starts_on=s.starts_on.isoformat() if s.starts_on else None,
                expires_on=s.expires_on.isoformat() if s.expires_on else None,
                created_at=s.created_at,
                revoked_at=s.revoked_at,
            )
            for s in shares
        ],
        consent=[
            ConsentRow(
                at=e.at,
                share_id=e.share_id,
                provider=e.share.provider.display_name,
                action=e.action,
                by=AUTOMATIC if e.actor_id is None else _person(e.actor, patient),
                categories=_categories(e.detail.get("categories", [])),
                starts_on=e.detail.get("starts_on"),
                expires_on=e.detail.get("expires_on"),
            )
            for e in events.order_by("at", "pk")
        ],
        access=[
            AccessRow(
                at=a.at,
                who=_person(a.actor, patient),
                what=describe_access(a.what),
                share_id=a.share_id,
            )
            for a in accesses.order_by("at", "pk")
        ],
        revisions=[
            RevisionRow(
                changed_at=r.changed_at,
                entry_type=r.entry_type,
                entry_id=r.entry_id,
                version=r.version,
                action=r.action,
                data=r.data,
            )
            for r in revisions.order_by("changed_at", "pk")
        ],
        preferences=_preferences(patient),
        push_devices=[
            PushDeviceRow(
                push_service=urlsplit(sub.endpoint).hostname or "",
                created_at=sub.created_at,
                last_used_at=sub.last_used_at,
            )
            for sub in PushSubscription.objects.filter(user=patient).order_by("created_at", "pk")
        ],
        notifications=[
            NotificationRow(
                kind=n.kind,
                due_at=n.due_at,
                sent_at=n.sent_at,
                channel=n.channel,
                status=n.status,
                read_at=n.read_at,
            )
            for n in Notification.objects.filter(recipient=patient).order_by("due_at", "pk")
        ],
    )


def history_files(history: History) -> dict[str, bytes]:
    """Archive member name → bytes: `history/shares.csv`, `consent_history.csv`,
    `who_viewed.csv` and `edit_history.json`."""
    zone = history.zone
    shares = write_csv(
        [
            "share_id",
            "provider",
            "categories",
            "starts_on",
            "expires_on",
            "created_at",
            "revoked_at",
        ],
        [
            [s.id, s.provider, s.categories, s.starts_on, s.expires_on, s.created_at, s.revoked_at]
            for s in history.shares
        ],
        zone,
    )
    consent = write_csv(
        ["at", "share_id", "provider", "action", "by", "categories", "starts_on", "expires_on"],
        [
            [c.at, c.share_id, c.provider, c.action, c.by, c.categories, c.starts_on, c.expires_on]
            for c in history.consent
        ],
        zone,
    )
    access = write_csv(
        ["at", "who", "what", "share_id"],
        [[a.at, a.who, a.what, a.share_id] for a in history.access],
        zone,
    )
    edits = [
        {
            "changed_at": r.changed_at.astimezone(zone).isoformat(),
            "entry_type": r.entry_type,
            "entry_id": r.entry_id,
            "version_before_change": r.version,
            "action": r.action,
            "entry_as_it_was": r.data,
        }
        for r in history.revisions
    ]
    notifications = write_csv(
        ["kind", "due_at", "sent_at", "channel", "status", "read_at"],
        [
            [n.kind, n.due_at, n.sent_at, n.channel, n.status, n.read_at]
            for n in history.notifications
        ],
        zone,
    )
    settings = {
        "reminder_preferences": history.preferences,
        "push_devices": [
            {
                "push_service": d.push_service,
                "created_at": d.created_at.astimezone(zone).isoformat(),
                "last_used_at": d.last_used_at.astimezone(zone).isoformat()
                if d.last_used_at
                else None,
            }
            for d in history.push_devices
        ],
    }
    return {
        f"{FOLDER}/notifications.csv": notifications,
        f"{FOLDER}/notification_settings.json": json.dumps(
            settings, ensure_ascii=False, indent=2, default=str
        ).encode("utf-8"),
        f"{FOLDER}/shares.csv": shares,
        f"{FOLDER}/consent_history.csv": consent,
        f"{FOLDER}/who_viewed.csv": access,
        f"{FOLDER}/edit_history.json": json.dumps(
            edits, ensure_ascii=False, indent=2, default=str
        ).encode("utf-8"),
    }


README = (
    "\nFolder history/: your shares (shares.csv), every grant, change, revocation and expiry\n"
    "of them (consent_history.csv), every view of your data by someone else and every\n"
    "download of everything (who_viewed.csv), and what your entries looked like before each\n"
    "edit or deletion (edit_history.json). Others appear only by the names you see in Aftercare.\n"
    "Your reminders: every notification Aftercare planned or sent you (notifications.csv:\n"
    "kind, when due, when sent, channel, state, when read) and your reminder choices and push\n"
    "devices (notification_settings.json; a device by its push service only, without the\n"
    "address and keys that would let someone else send to it).\n"
)
