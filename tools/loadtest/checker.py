"""Compare the load test's ledger with the database.

`load_state` reads every session, report, check-in, reading and revision of the load-test
patients in a handful of queries; `verify` is a pure function of the ledger and that state:

- every acknowledged new entry exists exactly once, at the address it was acknowledged with,
  with exactly the values sent (reports: every rating and every reading — else *partial*);
- every edit acknowledged exists exactly once in the entry's history, at base version + 1,
  with the values sent; versions have no gaps;
- nothing the server said was not saved is in the database;
- no write that was sent several times (double tap, replay, retry) exists more than once;
- nothing is in the database that the client never sent.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from tools.loadtest.ledger import (
    ACKNOWLEDGED,
    NOT_SAVED,
    Ledger,
    Write,
    local_minute,
    normalise_snapshot,
    note_key,
    sort_readings,
)

MAX_PROBLEMS = 50
COUNTERS = (
    "lost",
    "duplicated",
    "partial",
    "mismatched",
    "saved_but_reported_not_saved",
    "wrong_redirect",
    "edits_lost",
    "edits_duplicated",
    "history_gaps",
    "unexpected_records",
)


@dataclass
class EntryState:
    """One entry as stored: its current values, version, earlier versions and readings."""

    entry: str
    pk: int
    patient: str
    version: int
    versions: dict[int, dict[str, Any]]  # version → normalised values (current included)
    readings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def origin_key(self) -> str | None:
        first = self.versions.get(1)
        return note_key(first["note"]) if first else None


@dataclass
class Verdict:
    """The checker's answer: counters (all zero when everything held) and the first problems."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    problems: list[str] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(self.counts.values())

    def fail(self, counter: str, message: str) -> None:
        self.counts[counter] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{counter}: {message}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "counts": self.counts,
            "checked": self.checked,
            "problems": self.problems,
        }


def load_state(emails: list[str]) -> list[EntryState]:
    """Every journal entry of the patients `emails`, with its history (five queries)."""
    from journal.models import (
        BloodPressureReading,
        CheckIn,
        EntryRevision,
        PostSessionReport,
        TreatmentSession,
        User,
    )
    from journal.services.entries import snapshot

    users = {u.pk: u for u in User.objects.filter(email__in=emails)}
    zones = {pk: ZoneInfo(u.time_zone) for pk, u in users.items()}
    revisions: dict[tuple[str, int], dict[int, dict[str, Any]]] = defaultdict(dict)
    for rev in EntryRevision.objects.filter(patient_id__in=users, action="edit"):
        revisions[(rev.entry_type, rev.entry_id)][rev.version] = rev.data
    readings: dict[int | None, list[dict[str, Any]]] = defaultdict(list)
    for r in BloodPressureReading.objects.filter(patient_id__in=users, report__isnull=False):
        readings[r.report_id].append(
            {
                "context": r.context,
                "systolic": r.systolic,
                "diastolic": r.diastolic,
                "pulse": r.pulse,
                "measured_at": local_minute(r.measured_at, zones[r.patient_id]),
            }
        )
    sources = (
        ("session", TreatmentSession.objects.all()),
        ("report", PostSessionReport.objects.prefetch_related("ratings")),
        ("checkin", CheckIn.objects.prefetch_related("ratings")),
    )
    states = []
    for entry, queryset in sources:
        for obj in queryset.filter(patient_id__in=users):
            zone = zones[obj.patient_id]
            versions = {
                v: normalise_snapshot(entry, data, zone)
                for v, data in revisions[(entry, obj.pk)].items()
            }
            versions[obj.version] = normalise_snapshot(entry, snapshot(obj), zone)
            states.append(
                EntryState(
                    entry=entry,
                    pk=obj.pk,
                    patient=users[obj.patient_id].email,
                    version=obj.version,
                    versions=versions,
                    readings=sort_readings(readings.get(obj.pk, [])) if entry == "report" else [],
                )
            )
    return states


def verify(ledger: Ledger, states: list[EntryState]) -> Verdict:
    """Check every write of `ledger` against the stored `states` (see the module docstring)."""
    verdict = Verdict()
    by_origin: dict[str, list[EntryState]] = defaultdict(list)
    by_pk: dict[tuple[str, int | None], EntryState] = {(s.entry, s.pk): s for s in states}
    for state in states:
        by_origin[state.origin_key or f"?{state.entry}:{state.pk}"].append(state)
    creates = {w.key: w for w in ledger.writes if not w.is_edit}
    edits = {w.key: w for w in ledger.writes if w.is_edit}
    for write in creates.values():
        _check_create(verdict, write, by_origin.get(write.key, []))
    for write in edits.values():
        _check_edit(verdict, write, by_pk.get((write.entry, write.edit_of)))
    for state in states:
        _check_history(verdict, state, creates, edits)
    outcomes = Counter(w.outcome for w in ledger.writes)
    verdict.checked = {
        "writes": len(ledger.writes),
        "acknowledged": outcomes[ACKNOWLEDGED],
        "acknowledged_new": sum(w.outcome == ACKNOWLEDGED for w in creates.values()),
        "acknowledged_edits": sum(w.outcome == ACKNOWLEDGED for w in edits.values()),
        "not_saved": outcomes[NOT_SAVED],
        "other_outcomes": len(ledger.writes) - outcomes[ACKNOWLEDGED] - outcomes[NOT_SAVED],
        "double_submits": sum(w.double for w in ledger.writes),
        "replays": sum(w.replayed for w in ledger.writes),
        "entries_in_database": len(states),
    }
    return verdict


def _check_create(verdict: Verdict, write: Write, found: list[EntryState]) -> None:
    label = f"{write.entry} {write.key}"
    if len(found) > 1:
        pks = ", ".join(str(s.pk) for s in found)
        verdict.fail("duplicated", f"{label} ({write.outcome}) stored {len(found)} times: {pks}")
    if write.outcome == NOT_SAVED and found:
        verdict.fail("saved_but_reported_not_saved", f"{label} is stored as #{found[0].pk}")
    if write.outcome != ACKNOWLEDGED:
        return
    if not found:
        verdict.fail("lost", f"{label} acknowledged at {write.locations[0]} is not stored")
        return
    if len(set(write.locations)) > 1 or write.pk not in {s.pk for s in found}:
        verdict.fail("wrong_redirect", f"{label} acknowledged at {sorted(set(write.locations))}")
    # With a duplicate, judge the copy the person was shown (the other is already counted).
    state = next((s for s in found if s.pk == write.pk), found[0])
    stored = state.versions.get(1)
    if stored is None:
        return  # reported by _check_history as a gap
    expected = {k: v for k, v in write.expected.items() if k != "readings"}
    if set(stored.get("ratings") or {}) != set(expected.get("ratings") or {}):
        verdict.fail(
            "partial", f"{label}: ratings {stored.get('ratings')} (sent {expected.get('ratings')})"
        )
    elif write.entry == "report" and len(state.readings) != len(write.expected["readings"]):
        verdict.fail(
            "partial",
            f"{label}: {len(state.readings)} readings stored, "
            f"{len(write.expected['readings'])} sent",
        )
    elif stored != expected or (
        write.entry == "report" and state.readings != write.expected["readings"]
    ):
        verdict.fail("mismatched", f"{label}: stored {_diff(stored, expected)}")


def _check_edit(verdict: Verdict, write: Write, state: EntryState | None) -> None:
    label = f"edit {write.key} of {write.entry} #{write.edit_of}"
    seen = (
        sorted(v for v, values in state.versions.items() if note_key(values["note"]) == write.key)
        if state is not None
        else []
    )
    if len(seen) > 1:
        verdict.fail("edits_duplicated", f"{label} applied as versions {seen}")
    if write.outcome == NOT_SAVED and seen:
        verdict.fail("saved_but_reported_not_saved", f"{label} is stored as version {seen[0]}")
    if write.outcome != ACKNOWLEDGED:
        return
    if state is None or not seen:  # no state: nothing seen
        verdict.fail("edits_lost", f"{label} acknowledged but not stored")
        return
    expected_version = (write.base_version or 0) + 1
    if seen[0] != expected_version:
        verdict.fail("mismatched", f"{label} stored as version {seen[0]}, not {expected_version}")
    elif state.versions[seen[0]] != write.expected:
        verdict.fail("mismatched", f"{label}: {_diff(state.versions[seen[0]], write.expected)}")


def _check_history(
    verdict: Verdict, state: EntryState, creates: dict[str, Write], edits: dict[str, Write]
) -> None:
    label = f"{state.entry} #{state.pk}"
    if sorted(state.versions) != list(range(1, state.version + 1)):
        verdict.fail("history_gaps", f"{label} has versions {sorted(state.versions)}")
    for version, values in state.versions.items():
        key = note_key(values["note"])
        known = creates if version == 1 else edits
        if key is None or key not in known or known[key].entry != state.entry:
            verdict.fail("unexpected_records", f"{label} v{version} note {values['note']!r}")


def _diff(stored: dict[str, Any], expected: dict[str, Any]) -> str:
    keys = sorted(set(stored) | set(expected))
    parts = [f"{k}={stored.get(k)!r} (sent {expected.get(k)!r})" for k in keys]
    return "; ".join(
        p for k, p in zip(keys, parts, strict=True) if stored.get(k) != expected.get(k)
    )
