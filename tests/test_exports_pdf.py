"""PDF summary: one page, real text, only the shared sections, vector charts."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from journal.exports.data import read_export_data
from journal.exports.pdf import ChartImage, summary_pdf
from journal.permissions import Scope, own_scope, share_scope
from tests.factories import export_journal


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def own_pdf(patient) -> bytes:
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    return summary_pdf(data, clinic_name="Riverside Clinic")


def test_the_summary_is_one_page_of_selectable_text(patient, own_pdf) -> None:
    assert own_pdf.startswith(b"%PDF")
    reader, text = _text(own_pdf)
    assert len(reader.pages) == 1
    assert f"Aftercare summary: {patient.display_name}" in text
    assert "Riverside Clinic" in text
    for heading in (
        "Side effects by session",
        "Blood pressure",
        "Mood and questionnaires",
        "Open flags",
        "Top things to discuss",
    ):
        assert heading in text, heading


def test_the_summary_shows_readings_with_their_flags_and_scores_with_bands(own_pdf) -> None:
    _, text = _text(own_pdf)
    assert "185/95" in text and "150/92" in text
    assert "BP 185/95 before dose" in text  # the flag, named clinically with its value
    assert "PHQ-9" in text and "10 / 27" in text and "Moderate" in text
    assert "3 Severe" in text and "Nausea" in text


def test_the_patients_copy_includes_their_notes(own_pdf) -> None:
    _, text = _text(own_pdf)
    assert "floaty" in text


def test_a_blood_pressure_only_share_has_no_other_headings(patient) -> None:
    export_journal(patient)
    data = read_export_data(Scope(patient=patient, categories=frozenset({"blood_pressure"})))
    _, text = _text(summary_pdf(data))
    assert "185/95" in text
    for absent in ("Side effects by session", "Mood and questionnaires", "PHQ-9", "Nausea"):
        assert absent not in text, absent
    assert "floaty" not in text and "Notes" not in text
    assert "Top things to discuss" in text


def test_a_mood_and_notes_share_shows_only_shareable_notes(patient) -> None:
    export_journal(patient)
    data = read_export_data(Scope(patient=patient, categories=frozenset({"mood", "notes"})))
    _, text = _text(summary_pdf(data))
    assert "floaty" in text
    assert "HYPERLINK" not in text  # the private check-in note
    assert "Blood pressure" not in text and "Side effects by session" not in text


def test_a_long_journal_still_fits_on_one_page(patient) -> None:
    for days_ago in range(40, 4, -3):
        export_journal(patient, days_ago=days_ago)
    data = read_export_data(own_scope(patient))
    reader, text = _text(summary_pdf(data))
    assert len(reader.pages) == 1
    assert "the CSV export has them all" in text


def test_an_empty_period_gives_a_calm_page_not_an_error(patient) -> None:
    data = read_export_data(own_scope(patient))
    reader, text = _text(summary_pdf(data))
    assert len(reader.pages) == 1
    assert "No readings in this period." in text


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="150" viewBox="0 0 400 150">'
    b'<polyline points="0,140 100,20 200,80" fill="none" stroke="#0072B2"/>'
    b'<text x="10" y="15" font-family="Helvetica" font-size="12">Mood chart from SVG</text></svg>'
)


def test_chart_svg_is_embedded_as_vector_graphics_not_a_bitmap(patient) -> None:
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    pdf = summary_pdf(data, charts=[ChartImage("Mood", SVG, "mood")])
    reader, text = _text(pdf)
    assert "Mood chart from SVG" in text
    resources = reader.pages[0].get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def _printed_sizes(pdf: bytes) -> list[tuple[str, float]]:
    """Every text run on every page with its size as printed, in points (font size times the
    scale of the text and graphics matrices, as pypdf's visitor hands them over)."""
    runs: list[tuple[str, float]] = []

    def visit(text, cm, tm, font, size) -> None:
        if not text.strip():
            return
        a, b, c, d = (
            tm[0] * cm[0] + tm[1] * cm[2],
            tm[0] * cm[1] + tm[1] * cm[3],
            tm[2] * cm[0] + tm[3] * cm[2],
            tm[2] * cm[1] + tm[3] * cm[3],
        )
        runs.append((text.strip(), size * abs(a * d - b * c) ** 0.5))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_chart_text_prints_at_seven_points_or_more_at_full_width(patient) -> None:
    from journal.exports.chart_images import pdf_chart_images

    export_journal(patient)
    scope = own_scope(patient)
    data = read_export_data(scope)
    pdf = summary_pdf(data, charts=pdf_chart_images(scope, data))
    runs = _printed_sizes(pdf)
    chart_text = [size for text, size in runs if "Mood over time" in text or "Systolic" in text]
    assert chart_text, runs  # the charts' own words are on the page, as text
    smallest = min(size for _, size in runs)
    assert smallest >= 7, sorted(runs, key=lambda r: r[1])[:5]


def test_a_table_that_cuts_says_latest_n_of_m(patient) -> None:
    for days_ago in range(40, 4, -3):
        export_journal(patient, days_ago=days_ago)
    data = read_export_data(own_scope(patient))
    _, text = _text(summary_pdf(data))
    shown = len([r for r in data.reports if r.session_id])
    assert shown == 12
    assert "of 12 sessions; the CSV export has them all" in text
    assert "of 12 readings" in text or "of 24 readings" in text


def test_times_carry_the_patients_zone(patient) -> None:
    patient.time_zone = "Pacific/Auckland"
    patient.save(update_fields=["time_zone"])
    export_journal(patient)
    data = read_export_data(own_scope(patient))
    _, text = _text(summary_pdf(data))
    reading = data.readings[0].measured_at.astimezone(data.zone)
    label = "NZDT" if reading.dst() else "NZST"
    assert f"{reading:%Y-%m-%d %H:%M} {label}" in text
    assert "Pacific/Auckland" in text


def test_every_demo_patients_ninety_days_fit_one_page(db) -> None:
    import datetime as dt

    from django.core.management import call_command

    from journal.exports.chart_images import pdf_chart_images
    from journal.models import Role, Share, User

    call_command("seed_demo", force=True, stdout=io.StringIO())
    patients = User.objects.filter(email__endswith="demo.aftercare.test", role=Role.PATIENT)
    assert patients.count() >= 5
    for patient in patients:
        end = dt.datetime.now(patient.zone).date()
        start = end - dt.timedelta(days=89)
        scopes = [own_scope(patient)]  # the fullest copy: every category, private notes too
        share = Share.objects.filter(patient=patient).first()
        if share is not None:
            scopes.append(share_scope(share))
        for scope in scopes:
            data = read_export_data(scope, start=start, end=end)
            reader, text = _text(summary_pdf(data, charts=pdf_chart_images(scope, data)))
            assert len(reader.pages) == 1, (patient.email, scope.share_id)
            assert "Mood over time" in text or not data.has("mood")


def test_beyond_ninety_days_two_pages_are_allowed_and_said(patient) -> None:
    from journal.exports.chart_images import pdf_chart_images

    for days_ago in range(200, 4, -4):
        export_journal(patient, days_ago=days_ago)
    scope = own_scope(patient)
    data = read_export_data(scope)
    reader, text = _text(summary_pdf(data, charts=pdf_chart_images(scope, data)))
    assert len(reader.pages) == 2
    assert "Page 1 of 2: a period longer than 90 days may take two pages" in text
    assert "Latest 10 of 49 sessions" in text  # more rows than one page holds, still cut


def test_the_layout_is_computed_with_at_most_two_builds(patient, monkeypatch) -> None:
    from journal.exports import chart_images, pdf
    from journal.exports.chart_images import pdf_chart_images

    for days_ago in range(80, 4, -3):
        export_journal(patient, days_ago=days_ago)
    scope = own_scope(patient)
    data = read_export_data(scope)
    builds, conversions = [], []
    build, convert = pdf._build, pdf.svg_drawing
    monkeypatch.setattr(pdf, "_build", lambda *a: builds.append(1) or build(*a))
    monkeypatch.setattr(pdf, "svg_drawing", lambda c: conversions.append(1) or convert(c))
    monkeypatch.setattr(chart_images, "svg_drawing", pdf.svg_drawing)
    charts = pdf_chart_images(scope, data)
    reader, _ = _text(summary_pdf(data, charts=charts))
    assert len(reader.pages) == 1
    assert len(builds) <= 2
    assert len(conversions) == len(charts) == 2  # each chart converted once


def test_the_pdf_charts_are_drawn_once_until_the_data_changes(
    patient, provider, monkeypatch
) -> None:
    """Drawn and converted charts are cached under the patient's data version: a repeat PDF
    draws nothing, a new entry redraws, and a provider's copy is never the patient's."""
    from journal import services
    from journal.exports import chart_images

    export_journal(patient, days_ago=5)
    drawn = []
    for name, render in list(chart_images.PRINT_RENDER.items()):
        monkeypatch.setitem(
            chart_images.PRINT_RENDER, name, lambda d, r=render, n=name: drawn.append(n) or r(d)
        )

    def charts(scope: Scope) -> list[ChartImage]:
        images = chart_images.pdf_chart_images(scope, read_export_data(scope))
        assert all(image.drawing is not None for image in images)
        return images

    first = charts(own_scope(patient))
    assert sorted(drawn) == ["blood-pressure", "mood"]
    again = charts(own_scope(patient))
    assert len(drawn) == 2 and [i.svg for i in again] == [i.svg for i in first]
    assert again[0].drawing is not first[0].drawing  # each PDF lays out its own copy
    summary_pdf(read_export_data(own_scope(patient)), charts=again)
    share = services.grant_share(patient=patient, provider=provider, categories=["mood"])
    assert [i.title for i in charts(share_scope(share))] == ["mood"]
    assert len(drawn) == 3  # the provider's picture is its own
    export_journal(patient, days_ago=2)
    charts(own_scope(patient))
    assert len(drawn) == 5


def test_a_remembered_layout_gives_the_same_pdf_without_measuring(patient, monkeypatch) -> None:
    """The row counts a summary got are remembered (the views keep them under the data
    version): the repeat measures nothing and prints the same page."""
    from journal.exports import pdf
    from journal.exports.pdf import LayoutMemo, Remembered

    for days_ago in range(40, 4, -3):
        export_journal(patient, days_ago=days_ago)
    data = read_export_data(own_scope(patient))
    kept: list[Remembered] = []
    memo = LayoutMemo(get=lambda: kept[-1] if kept else None, set=kept.append)
    _, first = _text(summary_pdf(data, layout=memo))
    assert len(kept) == 1 and all(rows >= 0 for rows in kept[0].rows) and kept[0].pages == 1
    measures = []
    measure = pdf._measure
    monkeypatch.setattr(pdf, "_measure", lambda bands: measures.append(1) or measure(bands))
    reader, again = _text(summary_pdf(data, layout=memo))
    assert measures == [] and again == first and len(reader.pages) == 1
    assert len(kept) == 1  # nothing new to remember


def test_a_remembered_layout_is_kept_within_what_each_table_has(patient) -> None:
    """Row counts remembered for other data (a stale key) never ask a table for rows it does
    not have: the page still fits and still ends with the discussion list."""
    from journal.exports.pdf import LayoutMemo, Remembered

    for days_ago in range(88, 2, -2):
        export_journal(patient, days_ago=days_ago)
    data = read_export_data(own_scope(patient))
    learned: list[Remembered] = []
    summary_pdf(data, layout=LayoutMemo(get=lambda: None, set=learned.append))
    # Far more rows than any table has, one per table, remembered as fitting one page.
    stale = Remembered((500,) * len(learned[0].rows), 1)
    kept: list[Remembered] = []
    memo = LayoutMemo(get=lambda: stale, set=kept.append)
    reader, text = _text(summary_pdf(data, layout=memo))
    assert len(reader.pages) == 1 and "Top things to discuss" in text
    assert kept and max(kept[-1].rows) < 500 and kept[-1].pages == 1


def test_a_remembered_layout_that_took_a_page_more_is_built_once(patient, monkeypatch) -> None:
    """When even the fewest rows take a page more than allowed, that is the summary's layout:
    a repeat builds it once and measures nothing, rather than correcting it again on every
    download (seen on the large benchmark set: two builds and a measuring per repeat)."""
    from journal.exports import pdf
    from journal.exports.pdf import LayoutMemo, Remembered

    for days_ago in range(40, 4, -3):
        export_journal(patient, days_ago=days_ago)
    data = read_export_data(own_scope(patient))
    build = pdf._build
    builds: list[int] = []

    def a_page_more(story, data, why):  # as if every layout took one page more
        built, pages, used = build(story, data, why)
        builds.append(1)
        return built, pages + 1, used

    monkeypatch.setattr(pdf, "_build", a_page_more)
    kept: list[Remembered] = []
    memo = LayoutMemo(get=lambda: kept[-1] if kept else None, set=kept.append)
    _, first = _text(summary_pdf(data, layout=memo))
    assert len(builds) == 2 and len(kept) == 1 and kept[0].pages == 2  # corrected once
    measures = []
    measure = pdf._measure
    monkeypatch.setattr(pdf, "_measure", lambda bands: measures.append(1) or measure(bands))
    builds.clear()
    _, again = _text(summary_pdf(data, layout=memo))
    assert builds == [1] and measures == [] and again == first and len(kept) == 1


def test_reportlabs_c_accelerators_are_installed() -> None:
    """rl_accel (ReportLab's own C helpers, a separate package since ReportLab 4) formats
    every number a PDF writes; without it the charts cost a third more to draw."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
    assert rl_accel.fp_str(1.5, 2) == "1.5 2"


def test_chart_groups_that_change_nothing_are_inlined_and_clips_keep_their_own() -> None:
    from reportlab.graphics.shapes import Drawing, Group, Path, Rect

    from journal.exports.pdf import _inline_plain_groups

    clip = Path(isClipPath=1)
    clip.moveTo(0, 0)
    clip.lineTo(10, 10)
    plain = Group(Rect(0, 0, 1, 1), Group(Rect(1, 1, 1, 1)))
    clipped = Group(clip, Rect(2, 2, 1, 1))
    moved = Group(Rect(3, 3, 1, 1), transform=(1, 0, 0, 1, 5, 0))
    drawing = Drawing(100, 100, plain, clipped, moved)
    _inline_plain_groups(drawing)
    kinds = [type(node).__name__ for node in drawing.contents]
    # The plain groups' rectangles now sit in the drawing; the clip and the move keep a group.
    assert kinds == ["Rect", "Rect", "Group", "Group"]
    assert drawing.contents[2] is clipped and drawing.contents[3] is moved
