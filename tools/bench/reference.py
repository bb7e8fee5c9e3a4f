"""The benchmark's reference page: what plain Django costs for the check-in list's job.

The same 50 newest check-ins of the signed-in patient as the app's first list page, through the
same middleware (session, authentication, MFA, CSP, audit of denials, …), rendered by a minimal
template with no base layout, no navigation and no includes. The app's pages are budgeted as
ratios to it (BENCHMARKS.md), so the ratio measures what the app adds over Django itself.
Served only by the benchmark's own settings (`tools.bench.settings`); never shipped.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import engines

from journal.models import CheckIn

_TEMPLATE = engines["django"].from_string(
    """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Check-ins</title></head>
<body><main><h1>Check-ins</h1><ul>{% for c in rows %}
<li><a href="/check-ins/{{ c.pk }}/">{{ c.recorded_at|date:"D j M Y, H:i" }}</a>
Mood {{ c.mood }}/10{% if c.anxiety is not None %} · anxiety {{ c.anxiety }}/10{% endif %}
{% if c.pain is not None %} · pain {{ c.pain }}/10{% endif %}</li>{% endfor %}
</ul></main></body></html>"""
)

PAGE_SIZE = 50


def reference_list(request: HttpRequest) -> HttpResponse:
    rows = CheckIn.objects.filter(patient_id=request.user.pk).order_by("-recorded_at", "-pk")[
        :PAGE_SIZE
    ]
    return HttpResponse(_TEMPLATE.render({"rows": rows}, request))
