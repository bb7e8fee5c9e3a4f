"""The triage list's GET parameters: flag kind, order, "no entry for N days", name search.

Every field is optional and an invalid value is simply ignored (the list falls back to its
default for that field), so a hand-edited or stale link never fails."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy, ngettext

from journal.reads.provider import KIND_LABELS, QUIET_DAYS, TRIAGE_ORDERS, TriageQuery

SEARCH_MAX = 100


def _days_or_more(days: int) -> str:
    """ "7 days or more", read when the choice is shown."""
    return lazy(
        lambda: ngettext("%(days)s day or more", "%(days)s days or more", days) % {"days": days},
        str,
    )()


class TriageQueryForm(forms.Form):
    """What the triage list shows; read with `query()`, which drops invalid fields."""

    q = forms.CharField(
        required=False, max_length=SEARCH_MAX, strip=True, label=gettext_lazy("Name contains")
    )
    kind = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Open flags of kind"),
        choices=[
            ("", gettext_lazy("Any (all patients)")),
            *sorted(KIND_LABELS.items(), key=lambda i: str(i[1])),
        ],
    )
    quiet = forms.TypedChoiceField(
        required=False,
        label=gettext_lazy("No entry for"),
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("Any time")), *((str(d), _days_or_more(d)) for d in QUIET_DAYS)],
    )
    sort = forms.ChoiceField(
        required=False, label=gettext_lazy("Sort by"), choices=list(TRIAGE_ORDERS.items())
    )

    def query(self) -> TriageQuery:
        """The valid fields as a `TriageQuery` (defaults for missing or invalid ones)."""
        self.is_valid()
        data = self.cleaned_data
        return TriageQuery(
            kind=data.get("kind") or None,
            order=data.get("sort") or "urgency",
            quiet_days=data.get("quiet"),
            search=data.get("q") or "",
        )

    @staticmethod
    def params(query: TriageQuery) -> dict[str, str]:
        """The GET parameters that give `query` back (defaults left out)."""
        params = {
            "q": query.search,
            "kind": query.kind or "",
            "quiet": str(query.quiet_days) if query.quiet_days is not None else "",
            "sort": query.order if query.order != "urgency" else "",
        }
        return {name: value for name, value in params.items() if value}
