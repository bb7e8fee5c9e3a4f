"""Issue 22's guards: nothing shown to users escapes translation, and the Spanish catalogue is
complete, current and free of guesses."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from tools import i18n

ROOT = Path(__file__).resolve().parent.parent
SPANISH = ROOT / "journal" / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_every_template_and_python_string_shown_to_users_is_marked() -> None:
    findings = i18n.scan()
    assert not findings, "not marked for translation:\n" + "\n".join(map(str, findings[:60]))


def test_the_scanner_finds_unmarked_text(tmp_path) -> None:
    """The guard above can fail: each kind of unmarked text is found, marked text is not."""
    template = tmp_path / "page.html"
    template.write_text(
        "{% load i18n %}<h1>{% translate 'Trends' %}</h1>\n"
        "<p>Your mood this week</p>\n"
        '<img alt="Mood chart" src="x.svg">\n'
        "<nav aria-label=\"{% translate 'Pages' %}\"></nav>\n"
        "{% include 'x.html' with label=\"Show all\" %}\n"
        "{% blocktranslate trimmed with n=3 %}Shown {{ n }} times{% endblocktranslate %}\n"
        '<span class="badge text-bg-info">{{ value|default:"None" }}</span>\n'
        "<p>Aftercare · PHQ-9 · 120 mmHg</p>\n"
    )
    found = {(f.line, f.text) for f in i18n.scan_template(template)}
    assert found == {
        (2, "Your mood this week"),
        (3, "alt=Mood chart"),
        (5, "Show all"),
        (7, "None"),
    }
    module = tmp_path / "forms.py"
    module.write_text(
        "from django import forms\n"
        "from django.contrib import messages\n"
        "from django.core.exceptions import ValidationError\n"
        "from django.utils.translation import gettext as _\n"
        "a = forms.CharField(label='Your name', help_text=_('As shown to providers'))\n"
        "def f(request):\n"
        "    messages.success(request, 'Saved.')\n"
        "    messages.info(request, _('Saved.'))\n"
        "    raise ValidationError(f'Too long by {3} characters')\n"
        "logger.warning('Redis down')\n"
    )
    found = {(f.line, f.text) for f in i18n.scan_python(module)}
    assert found == {
        (5, "Your name"),
        (7, "Saved."),
        (9, "f'Too long by {3} characters'"),
    }


def _catalogue() -> polib.POFile:
    return polib.pofile(str(SPANISH))


def test_the_spanish_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    po = _catalogue()
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy: {fuzzy[:20]}"
    assert po.metadata["Language"] == "es"
    assert "nplurals=3" in po.metadata["Plural-Forms"]


def test_the_spanish_catalogue_keeps_every_placeholder() -> None:
    """A translation that drops or renames `%(name)s` would fail (or show the wrong value) at
    run time; one that drops markup would break the page."""
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|<[^>]+>")
    wrong = []
    for entry in _catalogue().translated_entries():
        pairs = (
            [(entry.msgid, entry.msgstr)]
            if not entry.msgid_plural
            else [(entry.msgid_plural, s) for s in entry.msgstr_plural.values()]
        )
        for source, translation in pairs:
            if sorted(placeholder.findall(source)) != sorted(placeholder.findall(translation)):
                if entry.msgid_plural and "%(" not in source:
                    continue  # a plural's singular may spell "one" out
                wrong.append((source, translation))
    assert not wrong, wrong[:10]


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_the_spanish_catalogue_is_current(tmp_path) -> None:
    """Every marked string in the code is in the catalogue: extracting the messages afresh
    (from a copy of the app, so the working tree is not touched) finds nothing new."""
    copy = tmp_path / "project"
    shutil.copytree(
        ROOT / "journal",
        copy / "journal",
        ignore=shutil.ignore_patterns("static", "*.mo", "__pycache__"),
    )
    shutil.copytree(ROOT / "config", copy / "config", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    done = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale=es",
            "--no-location",
            "--no-obsolete",
        ],
        cwd=copy,
        # The shipped settings only (no development tools app, no test settings).
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    fresh = polib.pofile(str(copy / "journal" / "locale" / "es" / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in _catalogue()}
    new = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known)
    assert not new, "run `python -m tools.i18n update` and translate: " + repr(new[:20])
