"""Error pages that reveal nothing about what exists."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader

from journal.db_unavailable import DATABASE_ERRORS, failure_reason, not_saved_response


def _render(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(loader.render_to_string(template, {}, request), status=status)


def _caused_by_database(exception: BaseException | None) -> bool:
    """Whether a locked or unreachable database lies in `exception`'s chain of causes (a
    session deleted by a concurrent log-out is a plain DatabaseError, and stays a 400)."""
    seen: set[int] = set()
    while exception is not None and id(exception) not in seen:
        if isinstance(exception, DATABASE_ERRORS):
            return True
        seen.add(id(exception))
        exception = exception.__cause__ or exception.__context__
    return False


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A session that could not be saved because the database was locked or down surfaces as
    # Django's SessionInterrupted (400): it is a storage failure, so it gets the 503 page.
    if _caused_by_database(exception):
        return not_saved_response(request, reason=failure_reason(request))
    # No request context, like the 500 page: the request may be the problem.
    return HttpResponse(loader.render_to_string("errors/400.html"), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may be in a context processor or the database.
    return HttpResponse(loader.render_to_string("errors/500.html"), status=500)
