"""PHQ-9 and GAD-7 stay word for word in English for every reader: the official Spanish (USA)
text could not be found to cite, and an instrument is never translated here
(`catalogue.INSTRUMENT_LANGUAGES`)."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from journal import catalogue
from journal.catalogue import GAD7, INSTRUMENT_LANGUAGES, PHQ9, QUESTIONNAIRES, Questionnaire

# The standard English text (Kroenke, Spitzer, Williams; Pfizer), as the catalogue cites it.
PHQ9_STEM = (
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
)
PHQ9_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family "
    "down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being "
    "so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
GAD7_STEM = "Over the last 2 weeks, how often have you been bothered by the following problems?"
GAD7_ITEMS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
OPTIONS = ("Not at all", "Several days", "More than half the days", "Nearly every day")
DIFFICULTY_OPTIONS = (
    "Not difficult at all",
    "Somewhat difficult",
    "Very difficult",
    "Extremely difficult",
)
DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)

EXPECTED = {
    "phq9": (PHQ9_STEM, PHQ9_ITEMS),
    "gad7": (GAD7_STEM, GAD7_ITEMS),
}


def instrument_texts(q: Questionnaire) -> list[object]:
    """Every text of an instrument the catalogue hands to pages, forms and exports."""
    return [
        q.title,
        q.full_name,
        q.stem,
        *q.items,
        *(label for _value, label in q.options),
        q.difficulty_question,
        *(label for _value, label in q.difficulty_options),
        q.attribution,
        catalogue.SCREENING_NOTICE,
    ]


def test_the_catalogue_says_which_languages_the_instruments_exist_in() -> None:
    assert {"en"} == INSTRUMENT_LANGUAGES
    assert "es" in dict(settings.LANGUAGES)  # a language the app offers but the instruments lack
    assert "es" not in INSTRUMENT_LANGUAGES


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("questionnaire", [PHQ9, GAD7], ids=lambda q: q.code)
def test_every_instrument_text_is_the_english_source_in_every_language(
    questionnaire: Questionnaire, language: str
) -> None:
    stem, items = EXPECTED[questionnaire.code]
    with translation.override(language):
        assert str(questionnaire.stem) == stem
        assert tuple(str(item) for item in questionnaire.items) == items
        assert tuple(str(label) for _v, label in questionnaire.options) == OPTIONS
        assert str(questionnaire.difficulty_question) == DIFFICULTY_QUESTION
        assert tuple(str(label) for _v, label in questionnaire.difficulty_options) == (
            DIFFICULTY_OPTIONS
        )
        assert "Pfizer" in str(questionnaire.attribution)


@pytest.mark.parametrize("questionnaire", [PHQ9, GAD7], ids=lambda q: q.code)
def test_instrument_texts_are_plain_strings_never_marked_for_translation(
    questionnaire: Questionnaire,
) -> None:
    # A lazy translation object here would follow the page's language the day a Spanish
    # msgstr appears; plain `str` cannot.
    for text in instrument_texts(questionnaire):
        assert type(text) is str, text


def test_no_instrument_text_is_in_the_spanish_catalogue() -> None:
    po = polib.pofile(str(Path(settings.BASE_DIR) / "journal/locale/es/LC_MESSAGES/django.po"))
    msgids = {entry.msgid for entry in po}
    texts = {str(t) for q in QUESTIONNAIRES.values() for t in instrument_texts(q)}
    texts -= {"PHQ-9", "GAD-7"}  # names, the same in every language
    assert not texts & msgids


def test_spanish_pages_still_get_spanish_side_effect_words_beside_english_instruments() -> None:
    # The contrast the two rules make: side effects are translated, instruments are not.
    with translation.override("es"):
        assert catalogue.symptom_label("nausea") == "Náuseas"
        assert str(PHQ9.items[0]) == PHQ9_ITEMS[0]
