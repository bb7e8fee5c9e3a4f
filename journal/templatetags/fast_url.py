"""`{% url %}` that reverses each constant URL once per process.

Every page's navigation and account menu name about 25 URLs with constant arguments, and
`reverse` walks the resolver for each of them on every request (about 16 % of a 50-row list
page's time, BENCHMARKS.md). This library is a template builtin (`TEMPLATES` `builtins` in
`config/settings.py`) that replaces Django's `url` tag with one that remembers the result of a
tag whose view name and arguments are all literals, keyed also by what else decides a URL: the
script prefix, the URLconf and the current application (a namespace).

A tag with one variable positional argument (`{% url 'journal:checkin-detail' c.pk %}`, once
per row of a list) reverses once with a sentinel number in its place and puts each row's id
where the sentinel is, when the value is a non-negative `int` (what every path converter
writes as `str(value)`, and what `int`, `slug`, `str` and `path` all accept); any other value,
or a sentinel that does not appear exactly once, reverses as Django's tag does. A tag with more
variable parts, or `as var`, is Django's own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.base import FilterExpression, Parser, Token
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


def _literal(expression: FilterExpression) -> bool:
    return not expression.is_var and not expression.filters


@lru_cache(maxsize=1024)
def _reverse(
    view_name: str,
    args: tuple[Any, ...],
    kwargs: tuple[tuple[str, Any], ...],
    current_app: str | None,
    prefix: str,
    urlconf: Any,
) -> str:
    del prefix, urlconf  # part of the key: `reverse` reads both itself
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


# Stands for the one variable argument while reversing; no real id is this large.
SENTINEL = 9_876_543_210_123_456_789
_SENTINEL_TEXT = str(SENTINEL)


def _current_app(context: template.Context) -> str | None:
    request = getattr(context, "request", None)
    current_app = getattr(request, "current_app", None)
    if current_app is None:
        match = getattr(request, "resolver_match", None)
        current_app = getattr(match, "namespace", None)
    return current_app


class ConstantURLNode(URLNode):
    """A `{% url %}` whose every part is a literal (never `as var`, which may fail softly), or
    whose one variable positional argument is at `variable` (see the module docstring)."""

    def __init__(self, *args: Any, variable: int | None = None) -> None:
        super().__init__(*args)
        self.variable = variable

    def render(self, context: template.Context) -> str:
        args = tuple(arg.resolve(context) for arg in self.args)
        value = None
        if self.variable is not None:
            value = args[self.variable]
            if type(value) is not int or value < 0:
                return super().render(context)
            args = (*args[: self.variable], SENTINEL, *args[self.variable + 1 :])
        url = _reverse(
            self.view_name.resolve(context),
            args,
            tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items())),
            _current_app(context),
            get_script_prefix(),
            get_urlconf(),
        )
        if value is not None:
            if url.count(_SENTINEL_TEXT) != 1:
                return super().render(context)
            url = url.replace(_SENTINEL_TEXT, str(value))
        return str(conditional_escape(url)) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> URLNode:
    node = django_url(parser, token)
    if node.asvar is not None or not _literal(node.view_name):
        return node
    if not all(_literal(v) for v in node.kwargs.values()):
        return node
    variable = [i for i, arg in enumerate(node.args) if not _literal(arg)]
    if len(variable) > 1:
        return node
    return ConstantURLNode(
        node.view_name, node.args, node.kwargs, None, variable=variable[0] if variable else None
    )
