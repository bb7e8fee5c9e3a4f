"""When reminders are due: pure functions of plain data, in the patient's local time.

Local wall times become instants with zoneinfo: a time that does not exist on a spring-forward
day lands just after the gap (02:30 → 03:30 in New York), an ambiguous fall-back time takes its
first occurrence. Quiet hours are a local window (it may cross midnight) that nothing crosses:
a reminder due inside it moves to the window's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A post-session report reminder never comes sooner than this after the session began.
REPORT_MIN_DELAY = timedelta(hours=3)
# PHQ-9/GAD-7: asked on the due day and gently again on the two days after it: three asks in
# all (day 0, +1, +2), the "gentle repeat for 3 days".
QUESTIONNAIRE_ASKS = 3
# A questionnaire completed up to this many days before its due day counts for that cycle.
QUESTIONNAIRE_EARLY_DAYS = 2
INSTRUMENTS = ("phq9", "gad7")
# Both instruments due on the same day and ask go out as one notification with this key prefix.
BOTH_INSTRUMENTS = "+".join(INSTRUMENTS)


@dataclass(frozen=True)
class Quiet:
    """Local quiet hours: from `start` until `end` (crossing midnight when start > end)."""

    start: time
    end: time


@dataclass(frozen=True)
class KindChoice:
    """One reminder kind as the patient (or the clinic default) set it."""

    enabled: bool
    at: time
    channel: str


@dataclass(frozen=True)
class Choices:
    """Everything that decides when a patient is reminded, clinic defaults already applied."""

    zone: ZoneInfo
    quiet: Quiet
    paused: bool
    report: KindChoice
    checkin: KindChoice
    questionnaire: KindChoice
    interval_days: int


@dataclass(frozen=True)
class SessionFact:
    session_id: int
    started_at: datetime
    reported: bool


@dataclass(frozen=True)
class Facts:
    """What the journal says, as plain values (instants in UTC or aware)."""

    enrolled_on: date
    # The enrollment instant: the first baseline ask on the enrollment day comes no sooner,
    # and at once when the day's questionnaire time has passed.
    enrolled_at: datetime | None = None
    sessions: tuple[SessionFact, ...] = ()
    checkin_days: frozenset[date] = frozenset()
    # Local dates of completed questionnaires per instrument code.
    questionnaire_days: dict[str, frozenset[date]] | None = None


@dataclass(frozen=True, order=True)
class Due:
    """A reminder to plan: when, what kind, its stable key and the page it opens."""

    due_at: datetime
    kind: str
    due_key: str
    channel: str
    link: str


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of local wall time `at` on `day` in `zone` (DST gaps move forward)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def in_quiet(at: time, quiet: Quiet) -> bool:
    """True when local time `at` falls inside the quiet window."""
    if quiet.start == quiet.end:
        return False
    if quiet.start < quiet.end:
        return quiet.start <= at < quiet.end
    return at >= quiet.start or at < quiet.end


def out_of_quiet(instant: datetime, zone: ZoneInfo, quiet: Quiet) -> datetime:
    """`instant`, or the end of the quiet hours it falls in (local to `zone`)."""
    local = instant.astimezone(zone)
    if not in_quiet(local.time().replace(tzinfo=None), quiet):
        return instant.astimezone(UTC)
    day = local.date()
    if quiet.start > quiet.end and local.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)
    return local_instant(day, quiet.end, zone)


def next_opening(
    now: datetime, zone: ZoneInfo, opens: time, closes: time, open_days: frozenset[int]
) -> datetime:
    """`now` when it falls inside opening hours on an open weekday (local to `zone`);
    otherwise the next open day's opening, skipping closed days (DST-correct)."""
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    if local.weekday() in open_days and opens <= at < closes:
        return now.astimezone(UTC)
    day = local.date() if at < opens else local.date() + timedelta(days=1)
    for _ in range(7):
        if day.weekday() in open_days:
            break
        day += timedelta(days=1)
    return local_instant(day, opens, zone)


def report_reminders(session: SessionFact, choices: Choices) -> list[Due]:
    """The evening reminder (clinic or chosen time on the session's local day, never before
    the session + 3 h) and the next morning's (end of quiet hours), unless reported."""
    c = choices.report
    if session.reported or not c.enabled:
        return []
    zone = choices.zone
    day = session.started_at.astimezone(zone).date()
    evening = max(local_instant(day, c.at, zone), session.started_at + REPORT_MIN_DELAY)
    evening = out_of_quiet(evening, zone, choices.quiet)
    next_day = day + timedelta(days=1)
    morning = out_of_quiet(local_instant(next_day, choices.quiet.end, zone), zone, choices.quiet)
    link = f"/sessions/{session.session_id}/report/"
    due = [Due(evening, "report_evening", f"session:{session.session_id}", c.channel, link)]
    if morning > evening:
        due.append(Due(morning, "report_morning", f"session:{session.session_id}", c.channel, link))
    return due


def checkin_reminder(day: date, facts: Facts, choices: Choices) -> Due | None:
    """The daily check-in reminder for local `day`, skipped when they already checked in."""
    c = choices.checkin
    if not c.enabled or day in facts.checkin_days:
        return None
    at = out_of_quiet(local_instant(day, c.at, choices.zone), choices.zone, choices.quiet)
    return Due(at, "checkin", f"day:{day.isoformat()}", c.channel, "/check-ins/new/")


def questionnaire_due_days(facts: Facts, interval_days: int, until: date) -> list[date]:
    """Due days up to `until`: the enrollment day (the baseline, asked even when the first
    session falls on that day) and every `interval_days` after it until the first session,
    then every `interval_days` from the first session's local day."""
    first = min((s.started_at for s in facts.sessions), default=None)
    step = timedelta(days=interval_days)
    # The caller passes sessions in the patient's zone; the date is taken from that zone.
    first_day = first.date() if first is not None else None
    stop = until
    if first_day is not None:
        stop = min(until, max(first_day - timedelta(days=1), facts.enrolled_on))
    days: list[date] = []
    day = facts.enrolled_on
    while day <= stop:
        days.append(day)
        day += step
    if first_day is not None:
        day = first_day + step
        while day <= until:
            if day > facts.enrolled_on:
                days.append(day)
            day += step
    return days


def questionnaire_reminders(day: date, facts: Facts, choices: Choices) -> list[Due]:
    """PHQ-9 and GAD-7 reminders for local `day`: on a due day and the two days after it
    (three asks in all), until the instrument is completed for that cycle. When both are
    asked for the same cycle and ask, they go out as one notification."""
    c = choices.questionnaire
    if not c.enabled:
        return []
    zone = choices.zone
    local_facts = Facts(
        enrolled_on=facts.enrolled_on,
        sessions=tuple(
            SessionFact(s.session_id, s.started_at.astimezone(zone), s.reported)
            for s in facts.sessions
        ),
    )
    due_days = questionnaire_due_days(local_facts, choices.interval_days, day)
    done = facts.questionnaire_days or {}
    wanted: dict[tuple[date, int], list[str]] = {}
    for instrument in INSTRUMENTS:
        for due_day in due_days:
            ask = (day - due_day).days
            if not 0 <= ask < QUESTIONNAIRE_ASKS:
                continue
            since = due_day - timedelta(days=QUESTIONNAIRE_EARLY_DAYS)
            if any(since <= d <= day for d in done.get(instrument, frozenset())):
                continue
            wanted.setdefault((due_day, ask), []).append(instrument)
    out = []
    for (due_day, ask), instruments in wanted.items():
        at = local_instant(day, c.at, zone)
        if ask == 0 and due_day == facts.enrolled_on and facts.enrolled_at is not None:
            at = max(at, facts.enrolled_at.astimezone(UTC))
        at = out_of_quiet(at, zone, choices.quiet)
        if len(instruments) == len(INSTRUMENTS):
            code, link = BOTH_INSTRUMENTS, "/questionnaires/"
        else:
            (code,) = instruments
            link = f"/questionnaires/{code}/new/"
        key = f"{code}:{due_day.isoformat()}:{ask + 1}"
        out.append(Due(at, "questionnaire", key, c.channel, link))
    return out


def due_between(facts: Facts, choices: Choices, start: datetime, end: datetime) -> list[Due]:
    """Every reminder due in [start, end), in time order (none while paused)."""
    if choices.paused:
        return []
    zone = choices.zone
    due: list[Due] = []
    for session in facts.sessions:
        due += report_reminders(session, choices)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    day = first
    while day <= last:
        checkin = checkin_reminder(day, facts, choices)
        if checkin is not None:
            due.append(checkin)
        due += questionnaire_reminders(day, facts, choices)
        day += timedelta(days=1)
    return sorted(d for d in due if start <= d.due_at < end)
