"""View decorators other features apply: `recent_auth_required` and `no_store`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar
from urllib.parse import urlencode, urlsplit

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from journal.security.sessions import has_recent_auth

P = ParamSpec("P")
R = TypeVar("R", bound=HttpRequest)
Response = TypeVar("Response", bound=HttpResponseBase)


def recent_auth_required(
    view: Callable[Concatenate[R, P], HttpResponse],
) -> Callable[Concatenate[R, P], HttpResponse]:
    """Send the person to the re-authentication page unless they proved who they are within
    `REAUTH_MINUTES` (password, plus code when MFA is on); they come back to this page.

    A POST without recent authentication is not carried out: the person returns to the page
    the form was on (same-site Referer, else this URL) and submits again, so nothing happens
    behind their back.
    """

    @wraps(view)
    def wrapped(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if has_recent_auth(request):
            return view(request, *args, **kwargs)
        query = urlencode({"next": _come_back_to(request)})
        return redirect(f"{reverse('journal:reauth')}?{query}")

    return wrapped


def _come_back_to(request: HttpRequest) -> str:
    if request.method == "GET":
        return request.get_full_path()
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.path


def no_store(view: Callable[P, Response]) -> Callable[P, Response]:
    """Mark a view whose responses must never be stored by a browser or proxy cache, even
    for anonymous visitors (e.g. pages carrying single-use tokens)."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = view(*args, **kwargs)
        response["Cache-Control"] = NO_STORE
        return response

    return wrapped


NO_STORE = "no-store, private"
