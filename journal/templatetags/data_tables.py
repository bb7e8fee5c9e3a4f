"""Table rows rendered in Python: the provider summary shows six charts' tables (about 330
rows) and three pages of entries, and a template loop cost two lookups and an escape per cell.
The markup is the loop's: a chart table's first cell is the row header; numbers are localized
as `{{ cell }}` would, times are the patient's (`patient_time`), and every cell is escaped
(plain `html.escape` joined into one string: `format_html` per cell cost three times as much)."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from journal.summaries import Table
from journal.timefmt import local_stamp

register = template.Library()


def _text(cell: object) -> str:
    """A cell as the template would print it, escaped."""
    return escape(cell if isinstance(cell, str) else str(localize(cell)))


@register.simple_tag
def table_rows(table: Table) -> SafeString:
    return mark_safe(  # noqa: S308 (every cell is escaped)
        "\n".join(
            f'<tr><th scope="row">{_text(row[0])}</th>'
            + "".join(f"<td>{_text(cell)}</td>" for cell in row[1:])
            + "</tr>"
            for row in table.rows
            if row
        )
    )


def _cells(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _number(value: object, empty: str = "—") -> str:
    return empty if value is None else _text(value)


@register.simple_tag
def mood_rows(rows: list[dict[str, Any]], patient: Any) -> SafeString:
    """The provider summary's mood-score rows: when (the patient's time), entry, mood,
    anxiety, pain ("—" when not given)."""
    zone = patient.zone
    return mark_safe(  # noqa: S308 (every cell is escaped)
        "".join(
            _cells(
                escape(local_stamp(r["at"], zone)),
                _text(r["source"]),
                _number(r["mood"]),
                _number(r["anxiety"]),
                _number(r["pain"]),
            )
            for r in rows
        )
    )


@register.simple_tag
def session_rows(rows: list[dict[str, Any]], patient: Any) -> SafeString:
    """Side effects by session: start, route and dose, the ratings above None ("None" when
    none), overall bother."""
    zone = patient.zone
    none = _("None")  # once, not per row
    return mark_safe(  # noqa: S308 (every cell is escaped)
        "".join(
            _cells(
                escape(local_stamp(s["started_at"], zone)),
                _text(s["route"]) + ("" if s["dose_mg"] is None else f", {_text(s['dose_mg'])} mg"),
                escape("; ".join(s["ratings"]) or none),
                _text(s["bother"]),
            )
            for s in rows
        )
    )


@register.simple_tag
def symptom_rows(rows: list[dict[str, Any]], patient: Any) -> SafeString:
    """Between-session symptoms: when, the ratings above None."""
    zone = patient.zone
    return mark_safe(  # noqa: S308 (every cell is escaped)
        "".join(
            _cells(escape(local_stamp(c["at"], zone)), escape("; ".join(c["ratings"])))
            for c in rows
        )
    )
