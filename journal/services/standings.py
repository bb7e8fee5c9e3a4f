"""Keep `TriageStanding` true: the open flags each share shows its provider, as the triage
list ranks them.

`refresh` recomputes every unrevoked share of the given patients from the flags themselves (not
by increments), so calling it once more is harmless and a missed earlier call is repaired by the
next. It is called in the transaction of every write that changes what it counts:

- a flag raised or re-judged (`entries.sync_flags`) or acknowledged (`sharing.acknowledge_flag`,
  `sharing.acknowledge_flags`);
- a share granted or changed (`sharing.grant_share`, `sharing.update_share`): its categories and
  start decide which flags it shows;
- the patient's time zone (`accounts.accept_invitation`, `accounts.update_account`,
  `security.update_account_settings`): a share's start is a local midnight.

A service that re-judges several sets of flags recounts once, inside `batched()`.

Revoking, pausing or expiring a share, or deactivating an account, changes whether a share is
active, not what it counts: the triage list judges that on every request. Deleting a share or an
account deletes its standing with it (cascade). `tests/test_triage_standing.py` checks every one
of these writes against a recount, and that no other code writes flags or shares.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db import transaction

from journal import permissions
from journal.models import Flag, FlagSeverity, Share, TriageStanding

# An open flag as the standing needs it: id, category, severity, raised at.
OpenFlag = tuple[int, str, int, datetime]
_SEVERITY_FIELDS = {
    FlagSeverity.URGENT: "urgent",
    FlagSeverity.HIGH: "high",
    FlagSeverity.NOTABLE: "notable",
}


# Patients whose recount waits for the end of a `batched()` block (None outside one).
_pending: ContextVar[set[int] | None] = ContextVar("standings_pending", default=None)


@contextmanager
def batched() -> Iterator[None]:
    """Inside: `refresh` only notes its patients; on leaving the block without an error they
    are recounted once, still inside the caller's transaction (a report re-judges its own flags
    and then its session's readings: one recount, not two)."""
    if _pending.get() is not None:  # an outer block recounts
        yield
        return
    token = _pending.set(set())
    try:
        yield
        pending = _pending.get() or set()
    finally:
        _pending.reset(token)
    refresh(pending)


def refresh(patient_ids: Iterable[int]) -> None:
    """Recompute the standing of every unrevoked share of these patients from their open
    (unacknowledged) flags: the shared categories, raised since the share's start. At most
    four queries whatever the number of patients (the shares, locked; their open flags; the
    rewrite), one when none of them shares. Inside `batched()`, noted for its end."""
    pending = _pending.get()
    if pending is not None:
        pending.update(patient_ids)
        return
    ids = sorted(set(patient_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        # Locked first, so that two writers for one patient recount one after the other and
        # the second sees the first's flags (PostgreSQL reads each statement's snapshot).
        shares = list(
            Share.objects.select_for_update(of=("self",))
            .filter(patient__in=ids, revoked_at__isnull=True)
            .select_related("patient")
            .only(*permissions.SCOPE_SHARE_FIELDS, "patient__time_zone")
            .order_by("pk")
        )
        if not shares:
            return
        open_flags: dict[int, list[OpenFlag]] = defaultdict(list)
        for pk, patient_id, category, severity, raised_at in Flag.objects.filter(
            patient__in=ids, acknowledged_at__isnull=True
        ).values_list("pk", "patient_id", "category", "severity", "raised_at"):
            open_flags[patient_id].append((pk, category, severity, raised_at))
        standings = []
        for share in shares:
            standing = standing_of(share, open_flags[share.patient_id])
            if standing is not None:
                standings.append(standing)
        TriageStanding.objects.filter(share__in=shares).delete()
        TriageStanding.objects.bulk_create(standings)


def standing_of(share: Share, open_flags: list[OpenFlag]) -> TriageStanding | None:
    """The standing of `share` over its patient's open flags (id, category, severity, raised
    at); None when it shows none of them."""
    scope = permissions.share_scope(share)
    start = scope.window_start
    shown = [
        (severity, raised_at, pk)
        for pk, category, severity, raised_at in open_flags
        if category in permissions.DATA_CATEGORIES
        and scope.allows(category)
        and (start is None or raised_at >= start)
    ]
    if not shown:
        return None
    # The most severe, then the newest, then the last written (`Flag.Meta.ordering`).
    top = max(shown)
    standing = TriageStanding(
        share=share,
        max_severity=top[0],
        open_count=len(shown),
        latest_flag_at=max(raised_at for _, raised_at, _ in shown),
        top_flag_id=top[2],
    )
    for severity, _, _ in shown:
        name = _SEVERITY_FIELDS.get(FlagSeverity(severity))
        if name:
            setattr(standing, name, getattr(standing, name) + 1)
    return standing
