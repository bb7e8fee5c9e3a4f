"""Read-side helpers for the patient's journal pages (callers pass querysets already scoped
with `journal.permissions`; nothing here decides who may see what)."""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Q, QuerySet, Subquery, Value
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_lazy

from journal import chartdata, flags, summaries
from journal import outcomes as outcome_rules
from journal.catalogue import QUESTIONNAIRES, SEVERITY_LABELS, answer_label, symptom_label
from journal.models import (
    BloodPressureReading,
    CheckIn,
    ClinicSettings,
    EntryRevision,
    Flag,
    Instrument,
    PostSessionReport,
    QuestionnaireResponse,
    ReadingContext,
    Route,
    ShareCategory,
    TreatmentSession,
    User,
)
from journal.permissions import Scope, own_scope
from journal.reads import outcomes as outcome_reads
from journal.thresholds import Thresholds

FEED_PAGE_SIZE = 20
# A report is still worth writing for a couple of weeks; older sessions stop nagging.
REPORT_REMINDER_DAYS = 14

DETAIL_URLS = {
    "session": "journal:session-detail",
    "report": "journal:report-detail",
    "checkin": "journal:checkin-detail",
    "reading": "journal:reading-detail",
    "questionnaire": "journal:questionnaire-detail",
}


@dataclass
class FlagView:
    flag: Flag
    title: str
    guidance: str

    @property
    def severity_label(self) -> str:
        return self.flag.severity_level.label

    @property
    def entry(self) -> tuple[str, int] | None:
        for kind in ("report", "checkin", "reading", "questionnaire"):
            pk = getattr(self.flag, f"{kind}_id")
            if pk is not None:
                return DETAIL_URLS[kind], pk
        return None


# A flag is "current" on the patient's home while open and raised since their last session or in
# the last CURRENT_FLAG_DAYS days (DESIGN.md §3); older ones live on the Flags page.
CURRENT_FLAG_DAYS = 7


def current_flags(user: User, now: dt.datetime | None = None) -> QuerySet[Flag]:
    """Open flags the patient has not withdrawn, raised since the last session or in the last
    7 days, most urgent first."""
    now = now or timezone.now()
    last_session = (
        TreatmentSession.objects.filter(patient=user, started_at__lte=now)
        .order_by("-started_at")
        .values("started_at")[:1]
    )
    return (
        Flag.objects.filter(patient=user, acknowledged_at__isnull=True, withdrawn_at__isnull=True)
        .filter(
            Q(raised_at__gte=now - dt.timedelta(days=CURRENT_FLAG_DAYS))
            | Q(raised_at__gte=Subquery(last_session))
        )
        .order_by("-severity", "-raised_at", "-id")
    )


def flag_views(
    flag_rows: QuerySet[Flag] | list[Flag], t: Thresholds | None = None
) -> list[FlagView]:
    """Flags with their title and guidance worded for the clinic's current numbers."""
    t = t or ClinicSettings.load_thresholds()
    views = []
    for flag in flag_rows:
        title, guidance = flags.describe(flag.kind, flag.detail, t)
        views.append(FlagView(flag, title, guidance))
    return views


# --- Patient home -----------------------------------------------------------------------------


def local_day_bounds(user: User, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of the user's current local calendar day."""
    zone = user.zone
    today = (now or timezone.now()).astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def next_steps(
    user: User,
    checkins: QuerySet[CheckIn],
    sessions: QuerySet[TreatmentSession],
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the patient could do next: today's check-in, a missing post-session report."""
    now = now or timezone.now()
    start, end = local_day_bounds(user, now)
    unreported = unreported_sessions(sessions, now).first()
    return {
        "needs_checkin": not checkins.filter(recorded_at__gte=start, recorded_at__lt=end).exists(),
        "unreported_session": unreported,
    }


@dataclass(frozen=True)
class NextStep:
    """One thing the patient could do now: what (`kind`), where, and what it is about."""

    kind: str  # "report", "checkin" or "questionnaire"
    url: str
    session: TreatmentSession | None = None
    questionnaire: str = ""  # the questionnaire's title


def next_step_list(
    *,
    unreported_session: TreatmentSession | None,
    needs_checkin: bool,
    due_questionnaire: str,
) -> list[NextStep]:
    """What to do now, most pressing first: a session's report, today's check-in, a due
    questionnaire."""
    steps = []
    if unreported_session is not None:
        url = reverse("journal:report-create", args=[unreported_session.pk])
        steps.append(NextStep("report", url, session=unreported_session))
    if needs_checkin:
        steps.append(NextStep("checkin", reverse("journal:checkin-create")))
    if due_questionnaire:
        url = reverse("journal:questionnaire-create", args=[due_questionnaire])
        title = QUESTIONNAIRES[due_questionnaire].title
        steps.append(NextStep("questionnaire", url, questionnaire=title))
    return steps


def unreported_sessions(
    sessions: QuerySet[TreatmentSession], now: dt.datetime | None = None
) -> QuerySet[TreatmentSession]:
    """Recent sessions (the last two weeks) still without a post-session report, newest first."""
    since = (now or timezone.now()) - dt.timedelta(days=REPORT_REMINDER_DAYS)
    return sessions.filter(report__isnull=True, started_at__gte=since).order_by(
        "-started_at", "-id"
    )


def last_route(sessions: QuerySet[TreatmentSession]) -> str | None:
    """The route of the patient's latest session (the next one is usually the same)."""
    return sessions.order_by("-started_at", "-id").values_list("route", flat=True).first()


@dataclass
class FeedItem:
    kind: str
    pk: int
    at: dt.datetime
    obj: Any
    flagged: bool

    @property
    def url_name(self) -> str:
        return DETAIL_URLS[self.kind]


def _feed_part(queryset: QuerySet, kind: str, time_field: str) -> QuerySet:
    return (
        queryset.annotate(kind=Value(kind, output_field=CharField()), at=F(time_field))
        .order_by()
        .values_list("id", "kind", "at")
    )


def recent_entries(
    *,
    sessions: QuerySet[TreatmentSession],
    reports: QuerySet[PostSessionReport],
    checkins: QuerySet[CheckIn],
    readings: QuerySet[BloodPressureReading],
    questionnaires: QuerySet[QuestionnaireResponse],
    page_number: Any = 1,
) -> Page:
    """Every kind of entry, newest first, 20 a page, in a fixed number of queries."""
    union = (
        _feed_part(sessions, "session", "started_at")
        .union(
            _feed_part(reports, "report", "reported_at"),
            _feed_part(checkins, "checkin", "recorded_at"),
            _feed_part(readings, "reading", "measured_at"),
            _feed_part(questionnaires, "questionnaire", "completed_at"),
            all=True,
        )
        .order_by("-at", "-id")
    )
    page = Paginator(union, FEED_PAGE_SIZE).get_page(page_number)
    ids: dict[str, list[int]] = {k: [] for k in DETAIL_URLS}
    for pk, kind, _ in page.object_list:
        ids[kind].append(pk)
    objects: dict[tuple[str, int], Any] = {}
    sources = {
        "session": sessions.select_related("report"),
        "report": reports.select_related("session"),
        "checkin": checkins,
        "reading": readings,
        "questionnaire": questionnaires,
    }
    for kind, pks in ids.items():
        if pks:
            objects.update({(kind, o.pk): o for o in sources[kind].filter(pk__in=pks)})
    flagged = _flagged(ids)
    page.object_list = [
        FeedItem(kind, pk, at, objects[(kind, pk)], (kind, pk) in flagged)
        for pk, kind, at in page.object_list
        if (kind, pk) in objects
    ]
    return page


def _flagged(ids: dict[str, list[int]]) -> set[tuple[str, int]]:
    query = Q()
    for kind in ("report", "checkin", "reading", "questionnaire"):
        if ids[kind]:
            query |= Q(**{f"{kind}__in": ids[kind]})
    if not query:
        return set()
    found: set[tuple[str, int]] = set()
    rows = Flag.objects.filter(query).values_list(
        "report_id", "checkin_id", "reading_id", "questionnaire_id"
    )
    for report_id, checkin_id, reading_id, questionnaire_id in rows:
        for kind, pk in (
            ("report", report_id),
            ("checkin", checkin_id),
            ("reading", reading_id),
            ("questionnaire", questionnaire_id),
        ):
            if pk is not None:
                found.add((kind, pk))
    return found


HOME_PERIOD = "30"


@dataclass(frozen=True)
class HomeSummary:
    """The home page's 30-day mood sentence, the PHQ-9 against its baseline, and the link to the
    trends (the chart is one tap away there)."""

    sentence: str
    has_data: bool
    trends_url: str
    # Where the PHQ-9 stands against the baseline, once there is one (DESIGN.md §3b).
    outcome_sentence: str = ""
    # When each questionnaire ("phq9", "gad7") was last completed (None: never), so that
    # which one is due is judged at each view (`due_questionnaire`), not when this was cached.
    last_completed: dict[str, dt.datetime | None] = field(default_factory=dict)

    def due_questionnaire(self, now: dt.datetime) -> str:
        return due_questionnaire(self.last_completed, now)


# Both questionnaires ask about the last two weeks: one is due two weeks after the last.
QUESTIONNAIRE_INTERVAL = dt.timedelta(days=14)


def due_questionnaire(last_completed: dict[str, dt.datetime | None], now: dt.datetime) -> str:
    """The questionnaire to fill in now: the PHQ-9 when never taken or last taken two weeks
    ago or more, else a GAD-7 the patient takes, two weeks after the last; "" when none."""
    for name in ("phq9", "gad7"):
        latest = last_completed.get(name)
        if latest is None:
            if name == "phq9":
                return name
            continue
        if now - latest >= QUESTIONNAIRE_INTERVAL:
            return name
    return ""


def _home_release() -> str:
    """A digest of the code that words the home summary: a deploy that changes it never serves
    sentences cached by the previous release."""
    return chartdata.code_digest(summaries, outcome_rules, sys.modules[__name__])


def home_summary(user: User) -> HomeSummary:
    """The last 30 local days of mood in one sentence and the PHQ-9 against its baseline,
    cached under the patient's data version (`chartdata.data_version`, which covers every row
    they are computed from, marked baselines included): a repeat view costs one aggregate query
    instead of a month of rows and the outcome course."""
    period = chartdata.parse_period(HOME_PERIOD, user.zone)
    scope = own_scope(user).narrowed({ShareCategory.MOOD.value})
    key = chartdata.version_key(
        f"home:{_home_release()}", scope, period, chartdata.data_version(user)
    )
    cached = cache.get(key)
    if isinstance(cached, dict):
        return HomeSummary(**cached)
    summary = _home_summary(user, scope, period)
    cache.set(key, asdict(summary), chartdata.CHART_CACHE_SECONDS)
    return summary


def _home_summary(user: User, scope: Scope, period: chartdata.Period) -> HomeSummary:
    data = chartdata.dashboard_data(scope, period)
    panel = summaries.panel(
        "mood",
        data.mood,
        period_label=period.label,
        period_days=period.days,
        previous_mood=data.previous_mood,
    )
    query = urlencode({"period": period.key})
    # One query for both questionnaires: the PHQ-9 sentence and which one is due.
    found = outcome_reads.load({user.pk: None}, ("phq9", "gad7"))[user.pk]
    phq9 = found["phq9"]
    return HomeSummary(
        last_completed={
            name: outcome.latest.completed_at if outcome.latest else None
            for name, outcome in found.items()
        },
        outcome_sentence=outcome_rules.patient_sentence(phq9)
        if phq9.state in (outcome_rules.MEASURED, outcome_rules.BASELINE_ONLY)
        else "",
        sentence=panel.summary,
        has_data=panel.has_data,
        trends_url=f"{reverse('journal:dashboard')}?{query}",
    )


# --- Edit history -----------------------------------------------------------------------------

FIELD_LABELS = {
    "started_at": gettext_lazy("Started"),
    "route": gettext_lazy("Route"),
    "dose_mg": gettext_lazy("Dose (mg)"),
    "note": gettext_lazy("Note"),
    "reported_at": gettext_lazy("Written"),
    "recorded_at": gettext_lazy("When"),
    "measured_at": gettext_lazy("Measured"),
    "completed_at": gettext_lazy("Completed"),
    "mood": gettext_lazy("Mood (0–10)"),
    "anxiety": gettext_lazy("Anxiety (0–10)"),
    "pain": gettext_lazy("Pain (0–10)"),
    "overall_bother": gettext_lazy("Overall bother"),
    "note_shareable": gettext_lazy("Note shareable"),
    "systolic": gettext_lazy("Systolic"),
    "diastolic": gettext_lazy("Diastolic"),
    "pulse": gettext_lazy("Pulse"),
    "context": gettext_lazy("Context"),
    "total": gettext_lazy("Total"),
    "band": gettext_lazy("Band"),
    "difficulty": gettext_lazy("Difficulty"),
}


def _format_value(name: str, value: Any, data: dict[str, Any]) -> str:
    if value is None or value == "":
        return "—"
    if name.endswith("_at"):
        parsed = parse_datetime(value) if isinstance(value, str) else value
        return dateformat.format(timezone.localtime(parsed), "j M Y H:i") if parsed else str(value)
    if name == "route":
        return str(dict(Route.choices).get(value, value))
    if name == "context":
        return str(dict(ReadingContext.choices).get(value, value))
    if name == "overall_bother":
        return str(SEVERITY_LABELS.get(value, str(value)))
    if name == "note_shareable":
        return gettext("Yes") if value else gettext("No")
    if name == "difficulty":
        questionnaire = QUESTIONNAIRES.get(data.get("instrument", ""))
        options = dict(questionnaire.difficulty_options) if questionnaire else {}
        return str(options.get(value, str(value)))
    return str(value)


def describe_snapshot(data: dict[str, Any]) -> list[tuple[str, str]]:
    """A stored snapshot as (label, value) rows a person can read."""
    rows: list[tuple[str, str]] = []
    for name, value in data.items():
        if name in {"session_id", "instrument"}:
            continue
        if name == "ratings":
            for code, severity in value.items():
                rows.append((symptom_label(code), answer_label(code, severity)))
            continue
        if name == "answers":
            rows.append((gettext("Answers"), ", ".join(str(a) for a in value)))
            continue
        rows.append((str(FIELD_LABELS.get(name, name)), _format_value(name, value, data)))
    return rows


@dataclass
class RevisionView:
    revision: EntryRevision
    rows: list[tuple[str, str]]


def edit_history(revisions: QuerySet[EntryRevision], entry_type: str, entry_id: int) -> list:
    """Earlier versions of one entry, newest first, ready to show."""
    return [
        RevisionView(r, describe_snapshot(r.data))
        for r in revisions.filter(entry_type=entry_type, entry_id=entry_id)
    ]


def instrument_or_none(code: str) -> str | None:
    """The instrument code when it names a known questionnaire."""
    return code if code in Instrument.values and code in QUESTIONNAIRES else None
