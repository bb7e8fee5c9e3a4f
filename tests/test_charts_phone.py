"""Charts drawn for a phone and for a dark page: read from the rendered SVG at the width the
browser shows it, every text is at least 11 CSS px and lies inside the picture; mood never shares
an axis with anxiety and pain; the dark drawing swaps the palette."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from journal.charts import CHARTS, Variant, mood_chart, parse_variant
from journal.charts._base import DARK_BACKGROUND, INK, PHONE_WIDTH_PX
from tests.test_charts import CASES, SVG_NS, mood

PHONE = Variant("phone")
MIN_PX = 11.0


def _px(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(px|pt)?", value)
    assert match, value
    number = float(match.group(1))
    return number * 4 / 3 if match.group(2) == "pt" else number


def _style(element: ET.Element) -> dict[str, str]:
    pairs = (part.split(":", 1) for part in (element.get("style") or "").split(";") if ":" in part)
    return {k.strip(): v.strip() for k, v in pairs}


def measured_texts(svg: bytes) -> tuple[float, float, float, list[tuple[str, float, tuple]]]:
    """(rendered width px, viewBox width, height, [(text, rendered px, (x0, y0, x1, y1))])."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    _, _, vb_w, vb_h = (float(v) for v in root.get("viewBox", "").split())
    width = _px(root.get("width", ""))
    scale = width / vb_w
    out = []
    for el in root.iter(f"{SVG_NS}text"):
        style = _style(el)
        size = float(style["font-size"].removesuffix("px"))
        transform = el.get("transform", "")
        assert not re.search(r"rotate\((?!-?0 )", transform), "rotated text is not checked"
        weight = "bold" if style.get("font-weight") in {"bold", "700"} else "normal"
        prop = FontProperties(family=["DejaVu Sans"], size=size, weight=weight)
        text = el.text or ""
        w, h, descent = text_to_path.get_text_width_height_descent(text, prop, ismath=False)
        x, y = float(el.get("x", "0")), float(el.get("y", "0"))
        anchor = style.get("text-anchor", "start")
        x0 = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
        out.append((text, size * scale, (x0, y - (h - descent), x0 + w, y + descent)))
    return width, vb_w, vb_h, out


PHONE_CASES = [(name, which) for name in sorted(CASES) for which in ("empty", "one", "many")]


@pytest.mark.parametrize(("name", "which"), PHONE_CASES)
def test_phone_chart_text_is_at_least_11_px_and_inside_the_picture(name: str, which: str) -> None:
    render, empty, one, many = CASES[name]
    data = {"empty": empty, "one": one, "many": many}[which]
    for theme in ("light", "dark"):
        width, vb_w, vb_h, texts = measured_texts(render(data, variant=Variant("phone", theme)))
        # Drawn 1:1 at a width a 390 px screen shows unscaled (page padding 12 px a side).
        assert width == vb_w == PHONE_WIDTH_PX <= 390 - 24
        assert texts
        for text, px, (x0, y0, x1, y1) in texts:
            assert px >= MIN_PX, f"{name}/{which}: {text!r} at {px:.1f} px"
            assert x0 >= 0 and x1 <= vb_w, (
                f"{name}/{which}: {text!r} cut at the side ({x0:.1f}..{x1:.1f})"
            )
            assert y0 >= 0 and y1 <= vb_h, f"{name}/{which}: {text!r} cut at top/bottom"


def test_the_smallest_phone_text_is_measured() -> None:
    smallest = min(
        px
        for render, _, one, many in CASES.values()
        for data in (one, many)
        for _, px, _ in measured_texts(render(data, variant=PHONE))[3]
    )
    assert smallest >= MIN_PX


@pytest.mark.parametrize("name", sorted(CASES))
def test_desktop_text_is_unchanged_by_the_phone_layout(name: str) -> None:
    """The desktop drawing stays sized in points (the page scales it); the phone's is not it."""
    render, _, _, many = CASES[name]
    desktop, phone = render(many), render(many, variant=PHONE)
    assert desktop != phone
    assert b'pt" height="' in desktop[:600] and b'pt" height="' not in phone[:600]


def _panel_texts(svg: bytes, gid: str) -> list[str]:
    root = ET.fromstring(svg)  # noqa: S314
    group = next(g for g in root.iter(f"{SVG_NS}g") if g.get("id") == gid)
    return [t.text or "" for t in group.iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("variant", [Variant(), PHONE])
def test_mood_has_its_own_axis_and_anxiety_and_pain_theirs_each_with_its_direction(
    variant: Variant,
) -> None:
    svg = mood_chart(CASES["mood"][3], variant=variant)
    assert "Mood, 0–10 (higher = better mood)" in _panel_texts(svg, "panel-mood")
    assert "Anxiety and pain, 0–10 (higher = worse)" in _panel_texts(svg, "panel-anxiety-pain")
    without = mood_chart(mood([CASES["mood"][3].days[0].day]), variant=variant)
    root = ET.fromstring(without)  # noqa: S314
    gids = {g.get("id") for g in root.iter(f"{SVG_NS}g")}
    if any(d.anxiety is not None or d.pain is not None for d in mood([]).days):
        pytest.fail("fixture changed")
    assert "panel-mood" in gids


def test_mood_without_anxiety_or_pain_draws_one_panel() -> None:
    from journal.charts.types import MoodDay, MoodSeries

    series = MoodSeries(
        None, CASES["mood"][3].last_day, (MoodDay(CASES["mood"][3].last_day, 5, 1, 5.0),), ()
    )
    gids = {g.get("id") for g in ET.fromstring(mood_chart(series)).iter(f"{SVG_NS}g")}  # noqa: S314
    assert "panel-mood" in gids and "panel-anxiety-pain" not in gids


@pytest.mark.parametrize("name", sorted(CASES))
def test_dark_drawing_swaps_the_palette_onto_a_dark_background(name: str) -> None:
    render, _, _, many = CASES[name]
    dark = render(many, variant=Variant(theme="dark"))
    assert DARK_BACKGROUND.lower().encode() in dark
    assert INK.lower().encode() not in dark.lower()


@pytest.mark.parametrize(
    ("size", "theme"), [("tiny", None), (None, "blue"), ("", None), ("PHONE", "dark")]
)
def test_unknown_sizes_and_themes_are_refused(size: str | None, theme: str | None) -> None:
    with pytest.raises(ValueError):
        parse_variant(size, theme)


def test_every_chart_renders_every_variant() -> None:
    for name, spec in CHARTS.items():
        _, _, one, _ = CASES[name]
        drawings = {
            spec.render(one, variant=Variant(size, theme))
            for size in ("desktop", "phone")
            for theme in ("light", "dark")
        }
        assert len(drawings) == 4, name


@pytest.mark.parametrize("axis", ["session", "weeks"])
@pytest.mark.parametrize("marked", [False, True])
def test_phone_response_curve_text_is_at_least_11_px_and_inside(axis: str, marked: bool) -> None:
    from dataclasses import replace

    from journal.charts.outcomes import response_chart, response_curve_data
    from tests.test_outcome_chart import phq9

    data = replace(response_curve_data(phq9(), axis), baseline_marked=marked)  # type: ignore[arg-type]
    for theme in ("light", "dark"):
        svg = response_chart(data, variant=Variant("phone", theme))
        width, vb_w, vb_h, texts = measured_texts(svg)
        assert width == vb_w == PHONE_WIDTH_PX
        words = {t for t, _, _ in texts}
        # The levels are named in the legend on a phone.
        assert any(w.startswith("50 % of baseline (response)") for w in words)
        assert any(w.startswith("Remission: below 5") for w in words)
        for text, px, (x0, y0, x1, y1) in texts:
            assert px >= MIN_PX, f"{text!r} at {px:.1f} px"
            assert x0 >= 0 and x1 <= vb_w and y0 >= 0 and y1 <= vb_h, f"{text!r} cut"
