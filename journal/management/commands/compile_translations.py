"""Compile every translation catalogue (journal/locale/<lang>/LC_MESSAGES/*.po) into the `.mo`
file Django reads, in Python (polib), so installing needs no GNU gettext.

Django's own `compilemessages` does the same through `msgfmt`; this one is what .ci/install and
the README's commands run. Fuzzy entries are left out, as `msgfmt` does; `--check` exits non-zero
when any catalogue has untranslated or fuzzy entries (the test suite checks the same)."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    """Every `.po` file under the project's locale paths."""
    found: list[Path] = []
    for root in settings.LOCALE_PATHS:
        found.extend(sorted(Path(root).glob("*/LC_MESSAGES/*.po")))
    return found


class Command(BaseCommand):
    help = "Compile journal/locale/*/LC_MESSAGES/*.po into .mo files (no GNU gettext needed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Fail when a catalogue has untranslated or fuzzy entries.",
        )

    def handle(self, *args, check: bool = False, **options) -> None:
        problems = []
        for po_path in catalogues():
            try:
                po = polib.pofile(str(po_path))
            except (OSError, ValueError) as exc:
                raise CommandError(f"{po_path}: {exc}") from exc
            untranslated = len(po.untranslated_entries())
            fuzzy = len(po.fuzzy_entries())
            if untranslated or fuzzy:
                problems.append(f"{po_path}: {untranslated} untranslated, {fuzzy} fuzzy")
            mo_path = po_path.with_suffix(".mo")
            po.save_as_mofile(str(mo_path))
            self.stdout.write(f"{mo_path}: {len(po.translated_entries())} messages")
        if check and problems:
            raise CommandError("; ".join(problems))
