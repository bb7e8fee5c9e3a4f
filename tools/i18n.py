"""Translation tooling (development only): find text shown to users that is not marked for
translation, refresh the catalogue, and carry translations over between catalogues.

    python -m tools.i18n scan [PATH ...]     unmarked text in templates and Python (exit 1 if any)
    python -m tools.i18n update              makemessages for every language, no fuzzy guesses
    python -m tools.i18n missing [LANG]      msgids still untranslated or fuzzy
    python -m tools.i18n merge OTHER.po ...  fill empty msgstrs of the catalogue from other files

The scanner is what `tests/test_i18n_guards.py` runs over the whole app. In templates it
reports words outside `{% translate %}`/`{% blocktranslate %}` (text between tags and the
user-facing attributes: alt, title, aria-label, placeholder...), and string literals inside tags
that read like words ("Mood", "Show all"); in Python it reports string literals given as user
text (`label=`, `help_text=`, `verbose_name=`, `ValidationError(...)`, `messages.success(...)`,
...) that are not inside a gettext call. Words that are the same in every language (the product
name, instrument names, units) are listed in `UNIVERSAL`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "journal" / "templates"
PYTHON = ROOT / "journal"
CATALOGUE = ROOT / "journal" / "locale" / "{lang}" / "LC_MESSAGES" / "django.po"

# Tokens that read the same in every language: names, instrument and unit abbreviations.
UNIVERSAL = {
    "Aftercare",
    "PHQ-9",
    "PHQ",
    "GAD-7",
    "GAD",
    "mmHg",
    "bpm",
    "mg",
    "min",
    "FHIR",
    "CSV",
    "PDF",
    "JSON",
    "TOTP",
    "OK",
    "SVG",
    "English",
    "Español",
}

# Attributes whose value a person reads or hears.
USER_ATTRIBUTES = (
    "alt",
    "title",
    "aria-label",
    "placeholder",
    "aria-description",
    "aria-roledescription",
)
_CSS_CLASSES = re.compile(
    r"(^| )(btn|text|bg|d|col|me|ms|mb|mt|p|fs|fw|small|border|badge|alert|row|g)(-| |$)"
)

_COMMENT = re.compile(r"{#.*?#}", re.S)
_BLOCK_COMMENT = re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S)
_BLOCKTRANS = re.compile(
    r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S
)
_TRANS_TAG = re.compile(r"{%\s*trans(?:late)?\s.*?%}", re.S)
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.S | re.I)
_ELEMENT = re.compile(r"<[^>]*>", re.S)
_ENTITY = re.compile(r"&#?\w+;")
_ATTR = re.compile(r"""\s([\w:-]+)\s*=\s*("[^"]*"|'[^']*')""")
_LITERAL = re.compile(r"""(_\()?("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
# Tags whose string arguments are names, paths or markup, never text.
_NAME_TAGS = re.compile(
    r"{%\s*(url|load|extends|static|block|endblock|cycle|csrf_token|"
    r"widthratio|templatetag|now|get_current_language|get_available_languages)\b"
)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    text: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.text!r}"


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(_ENTITY.sub(" ", text)) if w.strip(".-'’") not in UNIVERSAL]


def _blank(match: re.Match[str]) -> str:
    """Replace a match by as many newlines as it held, so line numbers stay true."""
    return "\n" * match.group(0).count("\n")


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _reads_like_text(literal: str) -> bool:
    """A string literal inside a template tag that a person would read: it starts with a
    capital letter and has lower-case letters (labels, sentences), or has two words."""
    body = literal[1:-1]
    if not _words(body):
        return False
    if re.fullmatch(r"[\w./:#?=&%{}-]*", body) and not re.match(r"[A-Z][a-z]", body):
        return False  # an identifier, path, URL or class name
    if re.fullmatch(r"[a-z0-9 _-]+", body) and _CSS_CLASSES.search(body):
        return False  # CSS classes
    return bool(re.match(r"[A-Z][a-z]", body)) or bool(re.search(r"[a-z]{2,} [a-z]{2,}", body))


def scan_template(path: Path) -> list[Finding]:
    source = path.read_text()
    text = _COMMENT.sub(_blank, source)
    text = _BLOCK_COMMENT.sub(_blank, text)
    text = _BLOCKTRANS.sub(_blank, text)
    text = _TRANS_TAG.sub("", text)
    findings: list[Finding] = []
    # String literals inside other tags ({% include ... with label="Mood" %}, |default:"None").
    for tag in _TAG.finditer(text):
        if _NAME_TAGS.match(tag.group(0)):
            continue
        # {% include "name.html" with label="..." %}: the template's name is not text.
        body = re.sub(r"^{%\s*include\s+(\"[^\"]*\"|'[^']*')", "", tag.group(0))
        for lit in _LITERAL.finditer(body):
            if lit.group(1):  # _("...") is marked
                continue
            if _reads_like_text(lit.group(2)):
                findings.append(Finding(path, _line(text, tag.start()), lit.group(2)[1:-1]))
    text = _TAG.sub(lambda m: " " * len(m.group(0)) if "\n" not in m.group(0) else _blank(m), text)
    text = _HTML_COMMENT.sub(_blank, text)
    text = _SCRIPT_STYLE.sub(_blank, text)
    for element in _ELEMENT.finditer(text):
        for attr in _ATTR.finditer(element.group(0)):
            name, value = attr.group(1).lower(), attr.group(2)[1:-1]
            if name in USER_ATTRIBUTES and _words(value):
                findings.append(Finding(path, _line(text, element.start()), f"{name}={value}"))
    plain = _ELEMENT.sub(lambda m: " " if "\n" not in m.group(0) else _blank(m), text)
    for number, line in enumerate(plain.split("\n"), start=1):
        if _words(line):
            findings.append(Finding(path, number, line.strip()))
    return findings


# --- Python ------------------------------------------------------------------------------

GETTEXT_NAMES = {
    "_",
    "gettext",
    "gettext_lazy",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
    "format_lazy",
}
# Keyword arguments whose value is text a person reads.
USER_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "title",
    "question",
    "prompt",
    "guidance",
    "hint",
    "summary",
    "message",
    "error_messages",
}
# Calls whose first (or, for messages.*, second) positional string is text a person reads.
USER_CALLS = {"ValidationError": 0, "success": 1, "info": 1, "warning": 1, "error": 1}


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _unmarked_strings(node: ast.AST) -> Iterator[ast.Constant | ast.JoinedStr]:
    """String literals in `node` that are not inside a gettext call."""
    if isinstance(node, ast.Call) and _call_name(node) in GETTEXT_NAMES:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _words(node.value):
            yield node
        return
    if isinstance(node, ast.JoinedStr):
        literal = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        if _words(literal):
            yield node
        return
    if isinstance(node, ast.Subscript):
        # self.error_messages["invalid"]: the key is a name; the value was checked where set.
        yield from _unmarked_strings(node.value)
        return
    if isinstance(node, ast.Dict):
        # {"field": _("message")}, _("… %(name)s") % {"name": …}: keys are names, not text.
        for value in node.values:
            yield from _unmarked_strings(value)
        return
    for child in ast.iter_child_nodes(node):
        yield from _unmarked_strings(child)


def scan_python(path: Path) -> list[Finding]:
    tree = ast.parse(path.read_text(), filename=str(path))
    findings = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        values: list[ast.AST] = [k.value for k in node.keywords if k.arg in USER_KEYWORDS]
        position = USER_CALLS.get(_call_name(node))
        if position is not None and len(node.args) > position:
            if _call_name(node) != "ValidationError" and not (
                isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
            ):
                continue  # logger.warning(...) and the like are not shown to users
            values.append(node.args[position])
        for value in values:
            for literal in _unmarked_strings(value):
                text = literal.value if isinstance(literal, ast.Constant) else ast.unparse(literal)
                findings.append(Finding(path, literal.lineno, str(text)))
    return findings


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def python_files() -> list[Path]:
    return sorted(p for p in PYTHON.rglob("*.py") if "migrations" not in p.parts)


def scan(paths: Iterable[Path] | None = None) -> list[Finding]:
    if paths is None:
        paths = [*template_files(), *python_files()]
    findings: list[Finding] = []
    for path in paths:
        findings.extend(scan_python(path) if path.suffix == ".py" else scan_template(path))
    return findings


# --- Catalogues ----------------------------------------------------------------------------


def languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES if code != "en"]


def update() -> None:
    """makemessages for every language but English, without msgmerge's fuzzy guesses (a guess
    is a wrong translation until someone reads it)."""
    from django.core.management.commands import makemessages

    class Command(makemessages.Command):
        msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    Command().run_from_argv(
        [
            "manage.py",
            "makemessages",
            *(f"--locale={lang}" for lang in languages()),
            "--no-location",
            "--no-obsolete",
            "--ignore=tools/*",
            "--ignore=tests/*",
            "--ignore=node_modules/*",
            "--ignore=staticfiles/*",
            "--ignore=build/*",
        ]
    )
    import polib

    for lang in languages():
        po = polib.pofile(str(CATALOGUE).replace("{lang}", lang))
        po.metadata.update(
            {
                "Project-Id-Version": "Aftercare",
                "Language": lang,
                "Language-Team": lang,
                "Last-Translator": "Aftercare developers",
                "Report-Msgid-Bugs-To": "",
            }
        )
        po.metadata.pop("PO-Revision-Date", None)
        po.metadata_is_fuzzy = False
        po.header = (
            f"Aftercare: the {lang} catalogue. Refreshed by `python -m tools.i18n update`;\n"
            "compiled by `manage.py compile_translations`. Instruments are never translated here."
        )
        po.save()


def missing(lang: str = "es") -> list[str]:
    import polib

    po = polib.pofile(str(CATALOGUE).replace("{lang}", lang))
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def merge(others: list[str], lang: str = "es") -> int:
    """Fill the empty (or fuzzy) msgstrs of the catalogue from other catalogues' translations
    of the same msgid (and context). Returns how many were filled."""
    import polib

    target = polib.pofile(str(CATALOGUE).replace("{lang}", lang))
    known: dict[tuple[str | None, str], polib.POEntry] = {}
    for other in others:
        for entry in polib.pofile(other):
            if entry.translated() and "fuzzy" not in entry.flags:
                known.setdefault((entry.msgctxt, entry.msgid), entry)
    filled = 0
    for entry in target:
        if entry.translated() and "fuzzy" not in entry.flags:
            continue
        source = known.get((entry.msgctxt, entry.msgid))
        if source is None or (entry.msgid_plural or "") != (source.msgid_plural or ""):
            continue
        entry.msgstr = source.msgstr
        entry.msgstr_plural = dict(source.msgstr_plural)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        filled += 1
    target.save()
    return filled


def main(argv: list[str]) -> int:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    command, *args = argv or ["scan"]
    if command == "scan":
        found = scan([Path(a).resolve() for a in args] or None)
        for finding in found:
            print(finding)
        print(f"{len(found)} unmarked", file=sys.stderr)
        return 1 if found else 0
    if command == "update":
        update()
        return 0
    if command == "missing":
        ids = missing(*args)
        for msgid in ids:
            print(repr(msgid))
        print(f"{len(ids)} missing", file=sys.stderr)
        return 1 if ids else 0
    if command == "merge":
        print(f"{merge(args)} filled", file=sys.stderr)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
