"""Vector charts for the PDF drawn with reportlab's own graphics.

Used when no SVG from `journal.charts` is handed to the PDF (an empty period, or a caller that
has no chart data). Lines differ by dash pattern and marker as well as colour, so the charts
read in black-and-white print.
"""

from __future__ import annotations

import datetime as dt

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from journal.exports.data import ExportData

BLUE = colors.HexColor("#0072B2")
VERMILLION = colors.HexColor("#D55E00")
INK = colors.HexColor("#212529")


def _day_labels(days: list[float]) -> dict[float, str]:
    return {d: dt.date.fromordinal(int(d)).strftime("%d %b") for d in days}


def _plot(
    width: float,
    height: float,
    title: str,
    series: list[list[tuple[float, float]]],
    y_range: tuple[float, float],
    legend: list[str],
) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName="Helvetica-Bold", fontSize=9, fillColor=INK))
    if not any(series):
        drawing.add(String(0, height - 28, "No entries in this period.", fontSize=8))
        return drawing
    plot = LinePlot()
    plot.x, plot.y = 28, 24
    plot.width, plot.height = width - 36, height - 52
    plot.data = [s if s else [(0, 0)] for s in series]
    xs = sorted({p[0] for s in series for p in s})
    plot.xValueAxis.valueMin = xs[0] - 0.5
    plot.xValueAxis.valueMax = xs[-1] + 0.5
    step = max(1, round((xs[-1] - xs[0]) / 4)) if len(xs) > 1 else 1
    plot.xValueAxis.valueSteps = [xs[0] + i * step for i in range(5) if xs[0] + i * step <= xs[-1]]
    labels = _day_labels(plot.xValueAxis.valueSteps)
    plot.xValueAxis.labelTextFormat = lambda v: labels.get(v, "")
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = y_range
    plot.yValueAxis.labels.fontSize = 7
    styles = ((BLUE, None, "FilledCircle"), (VERMILLION, (3, 2), "FilledSquare"))
    for i, (colour, dash, marker) in enumerate(styles[: len(series)]):
        plot.lines[i].strokeColor = colour
        plot.lines[i].strokeWidth = 1.2
        plot.lines[i].strokeDashArray = dash
        plot.lines[i].symbol = makeMarker(marker, size=3, fillColor=colour, strokeColor=colour)
    drawing.add(plot)
    x = 28
    for i, text in enumerate(legend):
        drawing.add(String(x, 4, text, fontSize=7, fillColor=styles[i][0]))
        x += 8 + 4 * len(text)
    return drawing


def mood_drawing(data: ExportData, width: float, height: float) -> Drawing:
    """Mood of reports and check-ins over time (0 worst – 10 best)."""
    points = sorted(
        [(data.local(r.reported_at).date().toordinal(), r.mood) for r in data.reports]
        + [(data.local(c.recorded_at).date().toordinal(), c.mood) for c in data.checkins],
    )
    series = [[(float(d), float(m)) for d, m in points if m is not None]]
    return _plot(width, height, "Mood (0 worst – 10 best)", series, (0, 10), ["● Mood"])


def blood_pressure_drawing(data: ExportData, width: float, height: float) -> Drawing:
    """Systolic and diastolic readings over time (mmHg)."""
    days = [float(data.local(r.measured_at).date().toordinal()) for r in data.readings]
    systolic = [(d, float(r.systolic)) for d, r in zip(days, data.readings, strict=True)]
    diastolic = [(d, float(r.diastolic)) for d, r in zip(days, data.readings, strict=True)]
    top = max([200.0, *(v for _, v in systolic)])
    return _plot(
        width,
        height,
        "Blood pressure (mmHg)",
        [systolic, diastolic] if systolic else [],
        (40, top),
        ["● Systolic", "■ Diastolic (dashed)"],
    )
