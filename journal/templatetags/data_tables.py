"""A data table's rows, rendered in Python: the provider summary shows six charts' tables (about
330 rows), and a template loop cost two lookups and an escape per cell. The markup is the loop's:
the first cell is the row header; numbers are localized as `{{ cell }}` would, and every cell is
escaped (plain `html.escape` joined into one string: `format_html` per cell cost three times as
much)."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from journal.summaries import Table

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
