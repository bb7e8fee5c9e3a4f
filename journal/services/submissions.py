"""One-time form submission tokens: claim, complete, release, purge.

`journal.idempotency` is the only caller of the claim/complete/release trio; it runs them and
the view's own write inside one transaction, so a token is claimed exactly when the entry is
written, and a claim disappears with the entry if anything fails.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from journal.models import SubmissionToken, User


def claim_submission(*, token: str, user: User) -> SubmissionToken:
    """Claim `token` for `user` inside the caller's transaction and return the (locked) row.

    A concurrent claim of the same token waits on the unique index (PostgreSQL) or the write
    lock (SQLite, immediate transactions) until the first claimant commits or rolls back, and
    then sees the committed row, completed or gone.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("claim_submission must run inside transaction.atomic().")
    claim, _ = SubmissionToken.objects.select_for_update().get_or_create(
        token=token, defaults={"user": user}
    )
    if claim.user_id != user.pk:
        raise PermissionDenied("This submission token belongs to someone else.")
    return claim


def complete_submission(*, claim: SubmissionToken, result_url: str) -> SubmissionToken:
    """Record where the write that used `claim` can be seen; replays are sent there."""
    claim.result_url = result_url[: SubmissionToken._meta.get_field("result_url").max_length]
    claim.completed_at = timezone.now()
    claim.save(update_fields=["result_url", "completed_at"])
    return claim


def release_submission(*, claim: SubmissionToken) -> None:
    """Give a claimed but unused token back (the form came back with errors; nothing written)."""
    if claim.completed_at is None:
        claim.delete()


@transaction.atomic
def purge_submission_tokens(*, created_before: datetime) -> int:
    """Delete submission tokens created before `created_before`; returns how many went."""
    deleted, _ = SubmissionToken.objects.filter(created_at__lt=created_before).delete()
    return deleted
