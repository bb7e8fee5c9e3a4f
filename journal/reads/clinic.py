"""Read-side helpers that assemble page data (no permission logic; callers scope first)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from journal.models import AuditEvent, ClinicSettings, Invitation, Role, User


def admin_overview() -> dict[str, object]:
    """Account metadata for the clinic admin home: counts, pending links, recent events, and
    whether patients cannot be enrolled yet for want of the clinic's numbers."""
    counts = User.objects.aggregate(
        patients=Count("pk", filter=Q(role=Role.PATIENT, is_active=True)),
        providers=Count("pk", filter=Q(role=Role.PROVIDER, is_active=True)),
        deactivated=Count("pk", filter=Q(is_active=False)),
    )
    pending = (
        Invitation.objects.filter(
            used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("user")
        .order_by("expires_at")[:20]
    )
    events = AuditEvent.objects.select_related("actor", "subject")[:15]
    return {
        "counts": counts,
        "pending_invitations": pending,
        "recent_events": events,
        "clinic_contacts_missing": not ClinicSettings.load_thresholds().contacts_complete,
    }
