"""Pure statistics for the benchmark: percentiles, throughput, ratios and budget verdicts.

Budgets are ratios between figures measured in the same run (absolute times drift on shared
machines), so a verdict is a comparison of two numbers from one table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

PASS = "PASS"  # noqa: S105 - a verdict, not a password
FAIL = "FAIL"
NOT_MEASURED = "n/a"


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct`-th percentile (0–100) by linear interpolation between closest ranks.

    Matches numpy's default ("linear") method; an empty sequence gives NaN.
    """
    if not 0 <= pct <= 100:
        raise ValueError("pct must be between 0 and 100")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Sequence[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing, NaN or the denominator is 0."""
    if numerator is None or denominator is None:
        return None
    if math.isnan(numerator) or math.isnan(denominator) or denominator == 0:
        return None
    return numerator / denominator


@dataclass
class Sample:
    """Latencies (seconds) and outcomes of one endpoint at one concurrency level."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    wall_seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """Successful requests."""
        return len(self.latencies)

    def record(self, status: int, seconds: float, expect: tuple[int, ...] = (200,)) -> None:
        """One answer: its latency when its status is expected, an error otherwise."""
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status in expect:
            self.latencies.append(seconds)
        else:
            self.errors += 1

    def add(self, other: Sample) -> None:
        """Fold another part of the same measurement into this one (its answers and errors)."""
        self.latencies += other.latencies
        self.errors += other.errors
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n

    @property
    def rps(self) -> float:
        """Successful requests per second of wall-clock time."""
        return self.count / self.wall_seconds if self.wall_seconds > 0 else math.nan

    @property
    def p50_ms(self) -> float:
        """Median latency in milliseconds."""
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        """99th-percentile latency in milliseconds."""
        return percentile(self.latencies, 99) * 1000


@dataclass(frozen=True)
class Verdict:
    """One budget: the measured value, the limit, and whether it holds."""

    name: str
    measured: float | None
    limit: float
    # "min": measured must be ≥ limit; "max": measured must be ≤ limit.
    kind: str
    unit: str = ""
    note: str = ""

    @property
    def status(self) -> str:
        """PASS, FAIL, or n/a when the value could not be measured."""
        if self.measured is None or math.isnan(self.measured):
            return NOT_MEASURED
        ok = self.measured >= self.limit if self.kind == "min" else self.measured <= self.limit
        return PASS if ok else FAIL

    def describe(self) -> str:
        """'≥ 0.50', '≤ 40 ms' … (the rule as printed in the table)."""
        sign = "≥" if self.kind == "min" else "≤"
        return f"{sign} {format_number(self.limit)}{(' ' + self.unit) if self.unit else ''}"


def budget_min(name: str, measured: float | None, limit: float, **kw: str) -> Verdict:
    """A budget the measured value must reach (throughput ratios)."""
    return Verdict(name, measured, limit, "min", **kw)


def budget_max(name: str, measured: float | None, limit: float, **kw: str) -> Verdict:
    """A budget the measured value must not exceed (latency, queries, memory)."""
    return Verdict(name, measured, limit, "max", **kw)


def format_number(value: float | None, digits: int = 2) -> str:
    """Compact numbers for tables: '–' for missing, integers without decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if float(value).is_integer() and abs(value) >= 1:
        return str(int(value))
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.{digits}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured Markdown table (cells converted with str)."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
