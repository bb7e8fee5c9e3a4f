"""Read side of the patient's sharing pages: shares with their status and history, and the
"who viewed my data" log. Querysets come from `journal.permissions` (the patient's own rows).
"""

from __future__ import annotations

from dataclasses import dataclass

from journal import permissions
from journal.models import AccessEvent, Flag, Share, ShareEvent, User
from journal.provider_queries import category_labels, flag_views

STATUS_LABELS = {
    "active": "Active",
    "upcoming": "Not started yet",
    "expired": "Ended (expiry date passed)",
    "revoked": "Revoked",
}
EVENT_LABELS = {
    "granted": "Shared",
    "changed": "Changed",
    "revoked": "Revoked",
    "expired": "Expired",
}


@dataclass
class ShareItem:
    share: Share
    status: str
    status_label: str
    categories: list[str]
    can_change: bool


def share_overview(patient: User) -> dict[str, object]:
    """The patient's shares with their status, and the full history of every share."""
    today = permissions.patient_today(patient)
    shares = list(permissions.owned_shares(patient))
    items = []
    for share in shares:
        share.patient = patient
        status = permissions.share_status(share, today)
        items.append(
            ShareItem(
                share=share,
                status=status,
                status_label=STATUS_LABELS[status],
                categories=category_labels(permissions.shared_categories(share)),
                can_change=status != "revoked",
            )
        )
    events = ShareEvent.objects.filter(share__in=[s.pk for s in shares]).select_related(
        "share__provider", "actor"
    )
    history = [
        {
            "event": e,
            "label": EVENT_LABELS.get(e.action, e.action),
            "categories": category_labels(e.detail.get("categories", [])),
            "starts_on": e.detail.get("starts_on"),
            "expires_on": e.detail.get("expires_on"),
        }
        for e in events
    ]
    return {
        "current": [i for i in items if i.status in {"active", "upcoming"}],
        "ended": [i for i in items if i.status not in {"active", "upcoming"}],
        "history": history,
    }


def access_log(patient: User, limit: int = 200) -> dict[str, object]:
    """Who read the patient's data (newest first) and which flags providers acknowledged."""
    events = list(
        permissions.owned_by(patient, AccessEvent.objects.all()).select_related("actor", "share")[
            :limit
        ]
    )
    acknowledged = flag_views(
        permissions.owned_by(patient, Flag.objects.all()).filter(acknowledged_at__isnull=False)
    )
    return {
        "events": [
            {
                "event": e,
                "share_categories": category_labels(permissions.shared_categories(e.share)),
            }
            for e in events
        ],
        "limit": limit,
        "acknowledged": acknowledged,
    }
