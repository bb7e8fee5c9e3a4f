"""Generated content and required-field markers do not add noise for screen readers."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tests.conftest import client_for

CSS = Path(settings.BASE_DIR, "journal", "static", "journal", "app.css")


def rules() -> dict[str, str]:
    text = re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)
    return {sel.strip(): body for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text)}


def test_decorative_ticks_and_flag_glyphs_have_empty_alternative_text_after_a_fallback() -> None:
    css = rules()
    for selector, glyph in [
        (".btn-check:checked + .scale-option::before", "✓ "),
        (".flag-badge::before", "⚑ "),
    ]:
        declarations = [d.strip() for d in css[selector].split(";") if d.strip()]
        contents = [d for d in declarations if d.startswith("content:")]
        # Older engines keep the first (they drop the one they cannot parse); newer ones use
        # the last, whose alternative text ("") keeps the glyph out of the accessible name.
        assert contents == [f'content: "{glyph}"', f'content: "{glyph}" / ""'], selector


class RequiredInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.required: list[str] = []
        self.stars = 0
        self.markers = 0
        self._in_label = False

    def handle_data(self, data: str) -> None:
        if self._in_label and "(required)" in data:
            self.markers += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"label", "legend"}:
            self._in_label = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"label", "legend"}:
            self._in_label = True
        if tag in {"input", "select", "textarea"} and "required" in attributes:
            self.required.append(attributes.get("name") or "")
        if "asteriskField" in (attributes.get("class") or "").split():
            self.stars += 1


def test_required_fields_are_marked_by_the_required_attribute_and_in_words_not_a_star(
    patient,
) -> None:
    parser = RequiredInputs()
    parser.feed(client_for(None).get(reverse("login")).content.decode())
    assert {"username", "password"} <= set(parser.required)
    account = RequiredInputs()
    account.feed(client_for(patient).get(reverse("journal:account-settings")).content.decode())
    # The optional idle time-out carries no star and no `required`: its first choice is the
    # clinic's default.
    assert "idle_timeout_minutes" not in account.required and "display_name" in account.required
    # The field template says "(required)" in every required field's label, in words a screen
    # reader reads as such (no "*" glyph); a select whose first choice is a real value (time
    # zone) has no `required` attribute because it can never be empty, but is still marked.
    assert account.markers >= len(account.required) >= 1
    assert account.stars == 0
