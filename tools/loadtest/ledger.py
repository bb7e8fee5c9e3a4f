"""What the load-test client sent and what the server answered: one `Write` per form filled in.

Every entry the client writes carries a unique key at the start of its note (`KEY_RE`), so the
checker can find it in the database whatever its primary key; an edit puts a new key in the
note. Expected values are normalised the way `normalise_snapshot` normalises the database:
local wall-clock times "YYYY-MM-DD HH:MM" in the patient's zone, whole numbers, "12.50" doses.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from journal.forms.journal import SYMPTOM_PREFIX

KEY_RE = re.compile(r"^(LT[0-9a-z]+-[0-9a-z-]+)(?:\s|$)")

# Outcomes of one write after all its attempts (retries with the same submission token).
ACKNOWLEDGED = "acknowledged"  # a redirect to the record
NOT_SAVED = "not_saved"  # every answer said so for certain (503 "not saved", form errors, 400)
UNCERTAIN = "uncertain"  # connection lost / "may not have been saved": either is fine, once
CONFLICT = "conflict"  # 409: the edit was refused (or an earlier attempt of it got through)

ENTRY_TYPES = ("session", "report", "checkin")
DATETIME_FIELDS = {"session": "started_at", "report": "reported_at", "checkin": "recorded_at"}


@dataclass
class Write:
    """One form the client filled in and sent (perhaps several times, always the same token)."""

    key: str
    entry: str  # session | report | checkin
    patient: str  # e-mail address
    expected: dict[str, Any]
    edit_of: int | None = None  # primary key of the edited entry (None: a new entry)
    base_version: int | None = None
    outcome: str = UNCERTAIN
    locations: list[str] = field(default_factory=list)  # every acknowledged redirect
    attempts: int = 0
    double: bool = False  # sent twice at once on two connections
    replayed: bool = False  # sent again later, after it was acknowledged

    @property
    def is_edit(self) -> bool:
        return self.edit_of is not None

    @property
    def pk(self) -> int | None:
        """The primary key in the first acknowledged redirect (/sessions/12/ → 12)."""
        for location in self.locations:
            numbers = re.findall(r"/(\d+)/", location)
            if numbers:
                return int(numbers[-1])
        return None


class Ledger:
    """Thread-safe list of writes, saved as JSON for the checker (run in another process)."""

    def __init__(self, writes: list[Write] | None = None) -> None:
        self.writes: list[Write] = list(writes or [])
        self._lock = threading.Lock()

    def add(self, write: Write) -> Write:
        with self._lock:
            self.writes.append(write)
        return write

    def save(self, path: Path) -> None:
        with self._lock:
            data = [asdict(w) for w in self.writes]
        Path(path).write_text(json.dumps(data))

    @classmethod
    def load(cls, path: Path) -> Ledger:
        return cls([Write(**row) for row in json.loads(Path(path).read_text())])


def note_key(note: str | None) -> str | None:
    """The load-test key a note starts with, or None."""
    match = KEY_RE.match(note or "")
    return match.group(1) if match else None


def local_minute(value: str | datetime | None, zone: ZoneInfo) -> str | None:
    """An instant (ISO text or aware datetime) as "YYYY-MM-DD HH:MM" on the wall clock of `zone`."""
    if value is None:
        return None
    instant = datetime.fromisoformat(value) if isinstance(value, str) else value
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(value)


def _dose(value: Any) -> str | None:
    if value is None or value == "":
        return None
    try:
        return f"{Decimal(str(value)):.2f}"
    except InvalidOperation:
        return str(value)


def normalise_snapshot(entry: str, data: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The comparable values of an entry snapshot (`journal.services.entries.snapshot` shape)."""
    when = DATETIME_FIELDS[entry]
    values: dict[str, Any] = {when: local_minute(data.get(when), zone), "note": data.get("note")}
    if entry == "session":
        values.update(route=data.get("route"), dose_mg=_dose(data.get("dose_mg")))
        return values
    values.update(
        mood=_int(data.get("mood")),
        ratings={code: int(v) for code, v in (data.get("ratings") or {}).items()},
        note_shareable=bool(data.get("note_shareable")),
    )
    if entry == "report":
        values["overall_bother"] = _int(data.get("overall_bother")) or 0
    else:
        values.update(anxiety=_int(data.get("anxiety")), pain=_int(data.get("pain")))
    return values


def _local_field(fields: dict[str, Any], name: str) -> str | None:
    day, clock = str(fields.get(f"{name}_0", "")), str(fields.get(f"{name}_1", ""))
    if not day or not clock:
        return None
    return f"{day} {clock[:5]}"


def expected_from_form(entry: str, fields: dict[str, Any], rated: list[str]) -> dict[str, Any]:
    """What the database must hold after `fields` were accepted by the `entry` form.

    `rated` lists the symptom fields the form offered (`sym_<code>`); one left unanswered is
    stored as 0 (None), as the form does.
    """
    when = DATETIME_FIELDS[entry]
    data: dict[str, Any] = {
        when: None,
        "note": str(fields.get("note", "")).strip(),
        "route": fields.get("route"),
        "dose_mg": fields.get("dose_mg"),
        "mood": fields.get("mood"),
        "overall_bother": fields.get("overall_bother"),
        "anxiety": fields.get("anxiety"),
        "pain": fields.get("pain"),
        "note_shareable": "note_shareable" in fields,
        "ratings": {
            name.removeprefix(SYMPTOM_PREFIX): int(fields.get(name) or 0) for name in rated
        },
    }
    # Times are compared as local minutes; the form's own fields are already local.
    values = normalise_snapshot(entry, data, ZoneInfo("UTC"))
    values[when] = _local_field(fields, when)
    return values


def expected_readings(fields: dict[str, Any], prefix: str = "readings") -> list[dict[str, Any]]:
    """The blood-pressure rows a report form sends (rows with numbers), sorted for comparison."""
    total = int(fields.get(f"{prefix}-TOTAL_FORMS") or 0)
    rows = []
    for index in range(total):
        name = f"{prefix}-{index}-"
        if not fields.get(f"{name}systolic"):
            continue
        rows.append(
            {
                "context": fields.get(f"{name}context"),
                "systolic": _int(fields.get(f"{name}systolic")),
                "diastolic": _int(fields.get(f"{name}diastolic")),
                "pulse": _int(fields.get(f"{name}pulse")),
                "measured_at": _local_field(fields, f"{name}measured_at"),
            }
        )
    return sort_readings(rows)


def sort_readings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Readings in a stable order for comparison."""
    return sorted(rows, key=lambda r: (r["measured_at"] or "", r["context"] or "", r["systolic"]))
