"""The provider summary's flags and data tables are rendered in Python (for speed,
BENCHMARKS.md): what a patient or provider typed comes out escaped, and each flag shows what the
template showed (title, severity, times in the patient's zone, who acknowledged and how)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import Flag, ShareCategory
from journal.summaries import Table
from journal.templatetags.data_tables import table_rows
from tests.conftest import client_for
from tests.test_provider import severe_reading

ALL = ShareCategory.values


def test_an_acknowledged_flag_shows_who_how_and_the_note_escaped(patient, provider) -> None:
    provider.display_name = "Dr <b>Bold</b>"
    provider.save(update_fields=["display_name"])
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    severe_reading(patient)
    flag = Flag.objects.get(patient=patient)
    note = "Called <script>alert(1)</script> & rechecked"
    client_for(provider).post(
        reverse("journal:provider-flag-acknowledge", args=[flag.pk]),
        {"period": "30", "disposition": "contacted", "note": note},
    )
    body = client_for(provider).get(reverse("journal:provider-patient", args=[patient.pk]))
    html = body.content.decode()
    assert "<script>alert(1)</script>" not in html and "<b>Bold</b>" not in html
    assert "Note: Called &lt;script&gt;alert(1)&lt;/script&gt; &amp; rechecked" in html
    local = flag.raised_at.astimezone(patient.zone).strftime("%Y-%m-%d %H:%M")
    assert f'id="flag-{flag.pk}"' in html and local in html
    assert "Acknowledged by Dr &lt;b&gt;Bold&lt;/b&gt; on " in html
    assert ": contacted the patient</span>" in html
    # An acknowledged flag carries no checkbox of its own.
    assert f'id="select-flag-{flag.pk}"' not in html


def test_open_flags_beyond_five_carry_a_checkbox_and_their_severity(patient, provider) -> None:
    services.grant_share(patient=patient, provider=provider, categories=ALL)
    for _ in range(7):
        severe_reading(patient)
    flags = list(Flag.objects.filter(patient=patient))
    assert len(flags) >= 7
    html = (
        client_for(provider)
        .get(reverse("journal:provider-patient", args=[patient.pk]))
        .content.decode()
    )
    for flag in flags:
        assert f'value="{flag.pk}" form="flag-bulk-form" id="select-flag-{flag.pk}">' in html, (
            flag.pk
        )
        assert f'<label for="select-flag-{flag.pk}">' in html
    assert html.count('flag-badge">Urgent</span>') + html.count('flag-badge">High</span>') >= 7
    assert timezone.now().astimezone(patient.zone).strftime("%Y-%m-%d") in html


def test_table_cells_are_escaped_and_the_first_is_the_row_header() -> None:
    table = Table(caption="c", columns=("Day", "Value"), rows=(("<i>1 Dec</i>", "a & b"),))
    assert str(table_rows(table)) == (
        '<tr><th scope="row">&lt;i&gt;1 Dec&lt;/i&gt;</th><td>a &amp; b</td></tr>'
    )


def test_table_numbers_are_printed_as_the_template_would() -> None:
    from django.utils import translation

    table = Table(caption="c", columns=("Day", "Mean"), rows=(("1 Dec", 4.5),))  # type: ignore[arg-type]
    with translation.override("en"):
        assert "<td>4.5</td>" in str(table_rows(table))


def test_entry_rows_write_what_the_template_loops_wrote(patient) -> None:
    """The summary's three entries tables, rendered in Python, against the template loops
    they replaced (times in the patient's zone, "—" for a score not given, "None" for no
    rating, the dose only when given, everything escaped)."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.template import engines

    at = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)  # the night New York's clocks change
    moods = [
        {"at": at, "source": "Check-in", "mood": 4, "anxiety": None, "pain": 7},
        {"at": at, "source": "<b>After</b>", "mood": 0, "anxiety": 0, "pain": None},
    ]
    sessions = [
        {
            "started_at": at,
            "route": "IV",
            "dose_mg": Decimal("52.5"),
            "ratings": [],
            "bother": "Mild",
        },
        {
            "started_at": at,
            "route": "Intranasal",
            "dose_mg": None,
            "ratings": ["Nausea: Severe", "a<b"],
            "bother": "None",
        },
    ]
    symptoms = [{"at": at, "ratings": ["Urinary: Mild", "x & y"]}]
    old = engines["django"].from_string(
        "{% load patient_time %}"
        "{% for r in moods %}<tr><td>{{ r.at|patient_time:patient }}</td><td>{{ r.source }}</td>"
        '<td>{{ r.mood }}</td><td>{{ r.anxiety|default_if_none:"—" }}</td>'
        '<td>{{ r.pain|default_if_none:"—" }}</td></tr>{% endfor %}|'
        "{% for s in sessions %}<tr><td>{{ s.started_at|patient_time:patient }}</td>"
        "<td>{{ s.route }}{% if s.dose_mg is not None %}, {{ s.dose_mg }} mg{% endif %}</td>"
        '<td>{{ s.ratings|join:"; "|default:"None" }}</td><td>{{ s.bother }}</td></tr>'
        "{% endfor %}|"
        "{% for c in symptoms %}<tr><td>{{ c.at|patient_time:patient }}</td>"
        '<td>{{ c.ratings|join:"; " }}</td></tr>{% endfor %}'
    )
    new = engines["django"].from_string(
        "{% load data_tables %}{% mood_rows moods patient %}|{% session_rows sessions patient %}|"
        "{% symptom_rows symptoms patient %}"
    )
    context = {"moods": moods, "sessions": sessions, "symptoms": symptoms, "patient": patient}
    expected = old.render(context)
    assert new.render(context) == expected
    assert "&lt;b&gt;After&lt;/b&gt;" in expected and ", 52.5 mg" in expected


def test_entry_rows_in_spanish_write_what_the_translated_template_wrote(patient) -> None:
    """The same rows under Spanish: "None" is the catalogue's, numbers take the decimal comma,
    exactly as the template (with `{% translate %}` and `{{ value }}`) writes them."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from django.template import engines
    from django.utils import translation

    at = datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    sessions = [
        {
            "started_at": at,
            "route": "IV",
            "dose_mg": Decimal("52.5"),
            "ratings": [],
            "bother": "Leve",
        },
        {
            "started_at": at,
            "route": "IV",
            "dose_mg": None,
            "ratings": ["Náuseas: Intenso"],
            "bother": "—",
        },
    ]
    old = engines["django"].from_string(
        '{% load i18n patient_time %}{% translate "None" as none %}'
        "{% for s in sessions %}<tr><td>{{ s.started_at|patient_time:patient }}</td>"
        "<td>{{ s.route }}{% if s.dose_mg is not None %}, {{ s.dose_mg }} mg{% endif %}</td>"
        '<td>{{ s.ratings|join:"; "|default:none }}</td><td>{{ s.bother }}</td></tr>'
        "{% endfor %}"
    )
    new = engines["django"].from_string("{% load data_tables %}{% session_rows sessions patient %}")
    context = {"sessions": sessions, "patient": patient}
    with translation.override("es"):
        expected = old.render(context)
        assert new.render(context) == expected
    assert "<td>Ninguno</td>" in expected and ", 52,5 mg" in expected


def test_triage_ages_read_in_the_active_language() -> None:
    from datetime import UTC, datetime, timedelta

    from django.utils import translation

    from journal.templatetags.triage import ago

    now = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    cases = [
        (timedelta(seconds=20), "just now", "ahora mismo"),
        (timedelta(minutes=25), "25 min ago", "hace 25 min"),
        (timedelta(hours=5), "5 h ago", "hace 5 h"),
        (timedelta(days=1, hours=2), "1 day ago", "hace 1 día"),
        (timedelta(days=3), "3 days ago", "hace 3 días"),
    ]
    for delta, english, spanish in cases:
        with translation.override("en"):
            assert ago(now - delta, now) == english
        with translation.override("es"):
            assert ago(now - delta, now) == spanish
