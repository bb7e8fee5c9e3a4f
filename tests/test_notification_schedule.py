"""Reminder schedules in the patient's local time: DST, half-hour zones, quiet hours, skips."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from journal.notifications.schedule import (
    Choices,
    Facts,
    KindChoice,
    Quiet,
    SessionFact,
    checkin_reminder,
    due_between,
    in_quiet,
    local_instant,
    out_of_quiet,
    questionnaire_reminders,
    report_reminders,
)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
ADELAIDE = ZoneInfo("Australia/Adelaide")
KOLKATA = ZoneInfo("Asia/Kolkata")
QUIET = Quiet(start=time(21, 30), end=time(8, 0))


def choices(
    zone: ZoneInfo,
    *,
    report_at: time = time(19, 0),
    checkin_at: time = time(18, 0),
    questionnaire_at: time = time(10, 0),
    quiet: Quiet = QUIET,
    paused: bool = False,
    interval: int = 14,
) -> Choices:
    return Choices(
        zone=zone,
        quiet=quiet,
        paused=paused,
        report=KindChoice(True, report_at, "email"),
        checkin=KindChoice(True, checkin_at, "email"),
        questionnaire=KindChoice(True, questionnaire_at, "email"),
        interval_days=interval,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- Local wall time to instant across DST -----------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        # New York springs forward on 8 March 2026: 18:00 EST, then 18:00 EDT.
        (NY, date(2026, 3, 7), utc(2026, 3, 7, 23, 0)),
        (NY, date(2026, 3, 8), utc(2026, 3, 8, 22, 0)),
        # ... and falls back on 1 November 2026.
        (NY, date(2026, 10, 31), utc(2026, 10, 31, 22, 0)),
        (NY, date(2026, 11, 1), utc(2026, 11, 1, 23, 0)),
        # Berlin: 29 March 2026 (CET → CEST) and 25 October 2026 (back).
        (BERLIN, date(2026, 3, 28), utc(2026, 3, 28, 17, 0)),
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 16, 0)),
        (BERLIN, date(2026, 10, 24), utc(2026, 10, 24, 16, 0)),
        (BERLIN, date(2026, 10, 25), utc(2026, 10, 25, 17, 0)),
        # Adelaide (+10:30 in summer, +9:30 in winter) leaves DST on 5 April 2026.
        (ADELAIDE, date(2026, 4, 4), utc(2026, 4, 4, 7, 30)),
        (ADELAIDE, date(2026, 4, 5), utc(2026, 4, 5, 8, 30)),
        # ... and enters it on 4 October 2026.
        (ADELAIDE, date(2026, 10, 3), utc(2026, 10, 3, 8, 30)),
        (ADELAIDE, date(2026, 10, 4), utc(2026, 10, 4, 7, 30)),
        # Kolkata: +5:30 all year.
        (KOLKATA, date(2026, 3, 8), utc(2026, 3, 8, 12, 30)),
    ],
)
def test_the_daily_check_in_reminder_keeps_its_local_time_across_dst(zone, day, expected):
    due = checkin_reminder(day, Facts(enrolled_on=date(2026, 1, 1)), choices(zone))
    assert due is not None
    assert due.due_at == expected
    assert due.due_at.astimezone(zone).time() == time(18, 0)


def test_a_time_inside_the_spring_forward_gap_moves_past_the_gap():
    # 02:30 does not exist in New York on 8 March 2026: it becomes 03:30 EDT.
    instant = local_instant(date(2026, 3, 8), time(2, 30), NY)
    assert instant == utc(2026, 3, 8, 7, 30)
    assert instant.astimezone(NY).time() == time(3, 30)


def test_an_ambiguous_fall_back_time_takes_its_first_occurrence():
    # 02:30 happens twice in Berlin on 25 October 2026; the first is CEST (+2).
    assert local_instant(date(2026, 10, 25), time(2, 30), BERLIN) == utc(2026, 10, 25, 0, 30)


# --- Quiet hours ---------------------------------------------------------------------------


def test_quiet_hours_crossing_midnight():
    assert in_quiet(time(21, 30), QUIET)
    assert in_quiet(time(23, 59), QUIET)
    assert in_quiet(time(3, 0), QUIET)
    assert not in_quiet(time(8, 0), QUIET)
    assert not in_quiet(time(21, 29), QUIET)
    daytime = Quiet(start=time(13, 0), end=time(14, 0))
    assert in_quiet(time(13, 30), daytime)
    assert not in_quiet(time(14, 0), daytime)


def test_a_reminder_inside_quiet_hours_moves_to_their_end_the_next_morning():
    late = local_instant(date(2026, 3, 7), time(22, 0), NY)
    # The night New York springs forward: 08:00 EDT the next day.
    assert out_of_quiet(late, NY, QUIET) == utc(2026, 3, 8, 12, 0)
    early = local_instant(date(2026, 3, 8), time(5, 0), NY)
    assert out_of_quiet(early, NY, QUIET) == utc(2026, 3, 8, 12, 0)


def test_a_check_in_time_inside_quiet_hours_is_sent_when_they_end():
    due = checkin_reminder(
        date(2026, 10, 24),
        Facts(enrolled_on=date(2026, 1, 1)),
        choices(BERLIN, checkin_at=time(22, 0)),
    )
    assert due is not None
    # Berlin leaves summer time that night: 08:00 CET is 07:00 UTC.
    assert due.due_at == utc(2026, 10, 25, 7, 0)


@pytest.mark.parametrize("zone", [NY, BERLIN, ADELAIDE, KOLKATA])
def test_nothing_planned_falls_inside_quiet_hours(zone):
    start = utc(2026, 3, 1)
    facts = Facts(
        enrolled_on=date(2026, 3, 1),
        sessions=tuple(
            SessionFact(i, start + timedelta(days=i, hours=3 * i), False) for i in range(1, 30)
        ),
    )
    due = due_between(
        facts, choices(zone, checkin_at=time(23, 0)), start, start + timedelta(days=40)
    )
    assert due
    for d in due:
        assert not in_quiet(d.due_at.astimezone(zone).time(), QUIET), d


# --- Post-session report -----------------------------------------------------------------


def test_the_report_reminder_comes_the_evening_of_the_session_and_the_next_morning():
    session = SessionFact(7, local_instant(date(2026, 3, 7), time(10, 0), NY), False)
    evening, morning = report_reminders(session, choices(NY))
    assert evening.kind == "report_evening"
    assert evening.due_at == local_instant(date(2026, 3, 7), time(19, 0), NY)
    assert morning.kind == "report_morning"
    # The next morning is the end of quiet hours, on the day New York springs forward.
    assert morning.due_at == utc(2026, 3, 8, 12, 0)
    assert evening.link == morning.link == "/sessions/7/report/"
    assert evening.due_key == morning.due_key == "session:7"


def test_the_report_reminder_never_comes_before_three_hours_after_the_session():
    session = SessionFact(1, local_instant(date(2026, 6, 1), time(17, 30), KOLKATA), False)
    evening, _ = report_reminders(session, choices(KOLKATA))
    assert evening.due_at == session.started_at + timedelta(hours=3)
    assert evening.due_at.astimezone(KOLKATA).time() == time(20, 30)


def test_a_late_session_gets_one_reminder_the_next_morning():
    session = SessionFact(1, local_instant(date(2026, 4, 4), time(20, 0), ADELAIDE), False)
    reminders = report_reminders(session, choices(ADELAIDE))
    assert len(reminders) == 1
    # 23:00 is quiet; Adelaide leaves summer time that night, 08:00 ACST is 22:30 UTC.
    assert reminders[0].due_at == utc(2026, 4, 4, 22, 30)


def test_no_report_reminder_once_the_report_is_done():
    session = SessionFact(1, local_instant(date(2026, 6, 1), time(10, 0), NY), True)
    assert report_reminders(session, choices(NY)) == []


# --- Daily check-in ------------------------------------------------------------------------


def test_no_check_in_reminder_on_a_local_day_they_already_checked_in():
    facts = Facts(enrolled_on=date(2026, 1, 1), checkin_days=frozenset({date(2026, 3, 8)}))
    assert checkin_reminder(date(2026, 3, 8), facts, choices(NY)) is None
    assert checkin_reminder(date(2026, 3, 9), facts, choices(NY)) is not None


def test_paused_means_nothing_is_due():
    facts = Facts(enrolled_on=date(2026, 1, 1))
    start = utc(2026, 3, 1)
    assert due_between(facts, choices(NY), start, start + timedelta(days=3))
    assert due_between(facts, choices(NY, paused=True), start, start + timedelta(days=3)) == []


# --- PHQ-9 and GAD-7 -----------------------------------------------------------------------


def _asks(facts: Facts, day: date, c: Choices) -> set[str]:
    return {d.due_key for d in questionnaire_reminders(day, facts, c)}


def test_a_baseline_is_asked_at_enrollment_and_gently_repeated_for_three_days():
    facts = Facts(enrolled_on=date(2026, 1, 1))
    c = choices(BERLIN)
    # Three asks in all: the due day and the two days after it.
    assert _asks(facts, date(2026, 1, 1), c) == {"phq9+gad7:2026-01-01:1"}
    assert _asks(facts, date(2026, 1, 2), c) == {"phq9+gad7:2026-01-01:2"}
    assert _asks(facts, date(2026, 1, 3), c) == {"phq9+gad7:2026-01-01:3"}
    assert _asks(facts, date(2026, 1, 4), c) == set()


def test_a_completed_questionnaire_stops_its_repeats():
    facts = Facts(
        enrolled_on=date(2026, 1, 1),
        questionnaire_days={"phq9": frozenset({date(2026, 1, 2)})},
    )
    assert _asks(facts, date(2026, 1, 3), choices(NY)) == {"gad7:2026-01-01:3"}


def test_the_questionnaire_clock_restarts_at_the_first_session():
    first = local_instant(date(2026, 1, 10), time(9, 0), NY)
    facts = Facts(enrolled_on=date(2026, 1, 1), sessions=(SessionFact(1, first, True),))
    c = choices(NY)
    # Not 14 days after enrollment (15 January) but 14 days after the first session.
    assert _asks(facts, date(2026, 1, 15), c) == set()
    assert _asks(facts, date(2026, 1, 24), c) == {"phq9+gad7:2026-01-24:1"}
    assert _asks(facts, date(2026, 2, 7), c) == {"phq9+gad7:2026-02-07:1"}


def test_the_questionnaire_interval_is_the_clinic_setting():
    first = local_instant(date(2026, 1, 10), time(9, 0), NY)
    facts = Facts(enrolled_on=date(2026, 1, 1), sessions=(SessionFact(1, first, True),))
    assert _asks(facts, date(2026, 1, 17), choices(NY, interval=7)) == {"phq9+gad7:2026-01-17:1"}


def test_the_questionnaire_day_is_the_patients_local_day():
    # 23:30 on 9 January in New York is already 10 January in UTC.
    first = datetime(2026, 1, 10, 4, 30, tzinfo=UTC)
    facts = Facts(enrolled_on=date(2026, 1, 1), sessions=(SessionFact(1, first, True),))
    assert _asks(facts, date(2026, 1, 23), choices(NY)) == {"phq9+gad7:2026-01-23:1"}
    due = questionnaire_reminders(date(2026, 1, 23), facts, choices(NY))
    assert {d.due_at for d in due} == {local_instant(date(2026, 1, 23), time(10, 0), NY)}


def test_phq9_and_gad7_due_the_same_day_are_one_notification():
    facts = Facts(enrolled_on=date(2026, 1, 1))
    (due,) = questionnaire_reminders(date(2026, 1, 1), facts, choices(NY))
    assert due.due_key == "phq9+gad7:2026-01-01:1"
    assert due.link == "/questionnaires/"
    # Once one is done, the other is asked on its own.
    done = Facts(
        enrolled_on=date(2026, 1, 1), questionnaire_days={"gad7": frozenset({date(2026, 1, 1)})}
    )
    (due,) = questionnaire_reminders(date(2026, 1, 2), done, choices(NY))
    assert due.due_key == "phq9:2026-01-01:2" and due.link == "/questionnaires/phq9/new/"


def test_a_first_session_on_the_enrollment_day_still_gets_a_baseline_ask():
    enrolled = local_instant(date(2026, 1, 5), time(8, 30), NY)
    first = local_instant(date(2026, 1, 5), time(14, 0), NY)
    facts = Facts(
        enrolled_on=date(2026, 1, 5),
        enrolled_at=enrolled,
        sessions=(SessionFact(1, first, False),),
    )
    c = choices(NY)
    assert _asks(facts, date(2026, 1, 5), c) == {"phq9+gad7:2026-01-05:1"}
    assert _asks(facts, date(2026, 1, 7), c) == {"phq9+gad7:2026-01-05:3"}
    # The clock still restarts at the first session: next due 14 days after it.
    assert _asks(facts, date(2026, 1, 19), c) == {"phq9+gad7:2026-01-19:1"}
    assert _asks(facts, date(2026, 1, 8), c) == set()


def test_the_baseline_ask_comes_at_once_when_enrolling_after_the_questionnaire_time():
    enrolled = local_instant(date(2026, 1, 5), time(13, 7), NY)
    facts = Facts(enrolled_on=date(2026, 1, 5), enrolled_at=enrolled)
    (due,) = questionnaire_reminders(date(2026, 1, 5), facts, choices(NY))
    assert due.due_at == enrolled
    # Before the day's questionnaire time, it waits for that time; later asks keep it.
    early = Facts(
        enrolled_on=date(2026, 1, 5), enrolled_at=local_instant(date(2026, 1, 5), time(9), NY)
    )
    (due,) = questionnaire_reminders(date(2026, 1, 5), early, choices(NY))
    assert due.due_at == local_instant(date(2026, 1, 5), time(10, 0), NY)
    (due,) = questionnaire_reminders(date(2026, 1, 6), facts, choices(NY))
    assert due.due_at == local_instant(date(2026, 1, 6), time(10, 0), NY)
