"""Read side of the patient's sharing pages: shares with their status and history, and the
"who viewed my data" log. Querysets come from `journal.permissions` (the patient's own rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy

from journal import permissions
from journal.access_wording import chart_label, describe_access, lower_first
from journal.models import AccessEvent, Flag, Share, ShareEvent, User
from journal.reads.patient import flag_views
from journal.reads.provider import category_labels

# Events by the same person under the same share this close together are one visit: a summary
# page and the chart images it loads arrive within a second or two of each other.
VISIT_WINDOW = timedelta(minutes=5)

STATUS_LABELS = {
    "active": gettext_lazy("Active"),
    "upcoming": gettext_lazy("Not started yet"),
    "expired": gettext_lazy("Ended (expiry date passed)"),
    "revoked": gettext_lazy("Revoked"),
    "paused": gettext_lazy("Paused"),
}
EVENT_LABELS = {
    "granted": gettext_lazy("Shared"),
    "changed": gettext_lazy("Changed"),
    "revoked": gettext_lazy("Revoked"),
    "expired": gettext_lazy("Expired"),
    "paused": gettext_lazy("Paused (the provider's account was closed by the clinic)"),
    "resumed": gettext_lazy("Resumed"),
}


@dataclass
class ShareItem:
    share: Share
    status: str
    status_label: str
    categories: list[str]
    can_change: bool
    # Paused while the provider's account was closed, and it is open again.
    can_resume: bool = False


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
                status_label=str(STATUS_LABELS[status]),
                categories=category_labels(permissions.shared_categories(share)),
                can_change=status != "revoked",
                can_resume=status == "paused" and share.provider.is_active,
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
        "current": [i for i in items if i.status in {"active", "upcoming", "paused"}],
        "ended": [i for i in items if i.status not in {"active", "upcoming", "paused"}],
        "history": history,
    }


@dataclass
class _Part:
    label: str
    charts: list[str] = field(default_factory=list)

    def text(self) -> str:
        return f"{self.label}: {', '.join(self.charts)}" if self.charts else self.label


@dataclass
class AccessVisit:
    """Consecutive access events by one person under one share, shown as one line."""

    events: list[AccessEvent]

    @property
    def first(self) -> AccessEvent:
        return self.events[-1]

    @property
    def at(self) -> datetime:
        return self.first.at

    @property
    def actor(self) -> User | None:
        return self.first.actor

    @property
    def share(self) -> Share | None:
        return self.first.share

    @property
    def ips(self) -> list[str]:
        return list(dict.fromkeys(e.ip for e in reversed(self.events) if e.ip))

    @property
    def description(self) -> str:
        """What was viewed, oldest first: each page once (a reload is not news), followed by
        the charts shown on it."""
        parts: dict[str, _Part] = {}
        current: _Part | None = None
        for event in reversed(self.events):
            chart = chart_label(event.what)
            if chart is not None and current is not None:
                if chart not in current.charts:
                    current.charts.append(chart)
                continue
            label = describe_access(event.what)
            current = parts.setdefault(label, _Part(label))
        texts = [part.text() for part in parts.values()]
        return "; ".join([texts[0], *(lower_first(t) for t in texts[1:])])


def group_access_events(
    events: list[AccessEvent], window: timedelta = VISIT_WINDOW
) -> list[AccessVisit]:
    """Newest-first events grouped into visits: consecutive events by the same actor under the
    same share, all within `window` of the visit's newest event."""
    visits: list[AccessVisit] = []
    for event in events:
        current = visits[-1] if visits else None
        if (
            current is not None
            and event.actor_id is not None
            and event.actor_id == current.events[0].actor_id
            and event.share_id == current.events[0].share_id
            and current.events[0].at - event.at <= window
        ):
            current.events.append(event)
        else:
            visits.append(AccessVisit(events=[event]))
    return visits


def access_log(patient: User, limit: int = 200) -> dict[str, object]:
    """Who read the patient's data (newest first, one line per visit) and which flags
    providers acknowledged. The log itself keeps every event; only the display groups them."""
    events = list(
        permissions.owned_by(patient, AccessEvent.objects.all()).select_related("actor", "share")[
            :limit
        ]
    )
    acknowledged = flag_views(
        permissions.owned_by(patient, Flag.objects.select_related("acknowledged_by"))
        .filter(acknowledged_at__isnull=False)
        .order_by("-acknowledged_at", "-id")
    )
    return {
        "visits": [
            {
                "visit": visit,
                "share_categories": category_labels(permissions.shared_categories(visit.share)),
            }
            for visit in group_access_events(events)
        ],
        "truncated": len(events) >= limit,
        "limit": limit,
        "acknowledged": acknowledged,
    }
