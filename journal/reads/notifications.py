"""What a person sees of their notifications: the in-app list and the unread count.

The unread count also shows in the navigation on every page. To add no query to any page, the
navigation reads it from the cache only: the list page and the dispatcher (after sending)
write it there; a cold cache shows no count until one of them runs.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, QuerySet

from journal.models import Notification, NotificationStatus, User

CACHE_SECONDS = 24 * 60 * 60


def _key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def shown_to(user: User) -> QuerySet[Notification]:
    """The user's delivered notifications, newest first (what the in-app list shows)."""
    return Notification.objects.filter(recipient=user, status=NotificationStatus.SENT).order_by(
        "-sent_at", "-pk"
    )


def unread_count(user: User) -> int:
    """The user's unread count from the database (and remembered for the navigation)."""
    count = shown_to(user).filter(read_at__isnull=True).count()
    remember_unread({user.pk: count})
    return count


def remember_unread(counts: dict[int, int]) -> None:
    """Put users' unread counts where the navigation reads them."""
    cache.set_many({_key(pk): n for pk, n in counts.items()}, CACHE_SECONDS)


def refresh_unread(user_ids: set[int]) -> None:
    """Recount unread notifications for these users in one query and remember the counts."""
    if not user_ids:
        return
    rows = (
        Notification.objects.filter(
            recipient_id__in=user_ids, status=NotificationStatus.SENT, read_at__isnull=True
        )
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    counts = dict.fromkeys(user_ids, 0)
    counts.update(dict(rows))
    remember_unread(counts)


def cached_unread(user_id: int) -> int | None:
    """The remembered unread count (None when not known; never queries the database)."""
    return cache.get(_key(user_id))
