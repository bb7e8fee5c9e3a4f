"""Times written with their zone (issue 19: a provider in another zone must not misread them)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from journal.timefmt import local_stamp, zone_label

MOMENT = datetime(2026, 12, 2, 12, 40, tzinfo=UTC)


def test_zones_with_letters_and_with_numbers_only() -> None:
    assert local_stamp(MOMENT, ZoneInfo("Pacific/Auckland")) == "2026-12-03 01:40 NZDT"
    assert local_stamp(MOMENT, ZoneInfo("America/Los_Angeles")) == "2026-12-02 04:40 PST"
    assert zone_label(MOMENT, ZoneInfo("America/Sao_Paulo")) == "UTC−3"
    assert zone_label(MOMENT, ZoneInfo("Asia/Kolkata")) == "IST"
    assert zone_label(MOMENT, ZoneInfo("Asia/Kathmandu")) == "UTC+5:45"
    assert local_stamp(None, ZoneInfo("UTC")) == "—"
