"""`{% url %}` (journal/templatetags/fast_url.py, a template builtin) writes exactly what
Django's tag writes, while reversing a literal URL once per process and a one-id URL once per
view name."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from journal.templatetags import fast_url


def _render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_the_app_uses_it_for_every_template() -> None:
    engine = engines["django"].engine
    assert engine.template_builtins[-1].tags["url"] is fast_url.url


def test_literal_urls_match_reverse_and_follow_the_script_prefix() -> None:
    assert _render("{% url 'journal:checkin-list' %}") == reverse("journal:checkin-list")
    assert _render("{% url 'journal:questionnaire-create' 'phq9' %}") == reverse(
        "journal:questionnaire-create", args=["phq9"]
    )
    set_script_prefix("/clinic/")
    try:
        assert _render("{% url 'journal:checkin-list' %}") == "/clinic/check-ins/"
    finally:
        clear_script_prefix()
    assert _render("{% url 'journal:checkin-list' %}") == "/check-ins/"


@pytest.mark.parametrize("pk", [0, 7, 12345, 9_876_543_210])
def test_an_id_per_row_gives_each_rows_own_url(pk: int) -> None:
    rendered = _render("{% url 'journal:checkin-detail' pk %}", pk=pk)
    assert rendered == reverse("journal:checkin-detail", args=[pk])


def test_other_values_are_reversed_as_django_does() -> None:
    # A string id reverses normally; a value the pattern refuses fails as Django's tag fails.
    assert _render("{% url 'journal:checkin-detail' pk %}", pk="42") == "/check-ins/42/"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'journal:checkin-detail' pk %}", pk=-3)
    with pytest.raises(NoReverseMatch):
        _render("{% url 'journal:checkin-detail' %}")
    # `as var` never fails loudly, as in Django.
    assert _render("{% url 'journal:nothing-here' as x %}[{{ x }}]") == "[]"


@pytest.mark.parametrize(
    "source",
    [
        "{% url 'journal:questionnaire-create' 'a&b' %}",
        "{% url 'journal:questionnaire-create' name %}",
        "{% url 'journal:checkin-detail' pk %}",
        "{% autoescape off %}{% url 'journal:questionnaire-create' 'a&b' %}{% endautoescape %}",
    ],
)
def test_the_same_markup_as_djangos_own_tag(source: str) -> None:
    ours = Engine(builtins=["journal.templatetags.fast_url"]).from_string(source)
    django = Engine().from_string(source)
    context = {"name": "x<y&z", "pk": 31}
    assert ours.render(Context(context)) == django.render(Context(context))
