"""Idempotent form submission: one rendered form, at most one write.

Every form that creates something carries a one-time submission token
(`{% include "_submission_token.html" %}` inside the `<form>`), and its view is wrapped in
`@idempotent`. The first POST carrying a token claims it inside the same transaction as the
view's write; a double tap, a replayed POST or Back-and-resubmit of that form is redirected to
what the first POST created instead of writing again. A concurrent duplicate waits for the first
to commit (unique index / SQLite write lock) and then sees its result.

Policy:
- Success means the view answered with a redirect; its `Location` is remembered. A script's
  submission may be answered in place (a fragment, status 200) instead: it counts as success
  when it names the page it updated in `Content-Location`, which is remembered the same way.
- Any other answer (the form again, with errors) gives the token back, nothing was written.
- An exception rolls back the write and the claim together; the same form can be sent again.
- A POST without a token is accepted without protection (API clients, tests) and logged.
- A token that is forged, belongs to another account, or is older than `TOKEN_MAX_AGE` is
  refused (HTTP 400) with the person's input shown back to them; nothing is written.
- Tokens are purged after `TOKEN_MAX_AGE` (`manage.py purge_submission_tokens`); a token that
  old is refused anyway, so purging can never turn a replay into a duplicate.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext

from journal.db_unavailable import ATOMIC_WRITE_FLAG, not_saved_response
from journal.models import SubmissionToken, User
from journal.services.submissions import (
    claim_submission,
    complete_submission,
    release_submission,
)

logger = logging.getLogger(__name__)

FIELD_NAME = "submission_token"
TOKEN_MAX_AGE = timedelta(days=2)
_SALT = "journal.idempotency.submission"
_REDIRECTS = {301, 302, 303, 307, 308}

P = ParamSpec("P")
R = TypeVar("R", bound=HttpRequest)


class SubmissionTokenError(Exception):
    """A submission token that cannot be used; `reason` is `invalid` or `expired`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def submission_signer() -> signing.TimestampSigner:
    """The signer of submission tokens; one serves every form of a page (building it reads
    the settings: half the cost of a token)."""
    return signing.TimestampSigner(salt=_SALT)


def new_submission_token(user: User | None, signer: signing.TimestampSigner | None = None) -> str:
    """A fresh signed, timestamped token for one rendering of a form by `user` (`signer`:
    `submission_signer()`, shared by the page's forms)."""
    user_part = str(user.pk) if user is not None and user.is_authenticated else "0"
    nonce = secrets.token_urlsafe(24)
    return (signer or submission_signer()).sign(f"{user_part}:{nonce}")


def read_submission_token(raw: str, user: User) -> str:
    """The nonce inside a posted token, or SubmissionTokenError if it is not `user`'s to use."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(raw, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise SubmissionTokenError("expired") from exc
    except signing.BadSignature as exc:
        raise SubmissionTokenError("invalid") from exc
    user_part, _, nonce = value.partition(":")
    if user_part != str(user.pk) or not nonce:
        raise SubmissionTokenError("invalid")
    return nonce


def completed_result(request: HttpRequest) -> str | None:
    """Where the first copy of this form's POST was sent, if that copy already succeeded —
    for a copy that arrives after the session is gone (a double tap on "Delete my account",
    a resend after the log-out): it gets the first answer, not a "not saved" page."""
    raw = request.POST.get(FIELD_NAME, "")
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(raw, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired; an empty token is a bad one too
        return None
    user_part, _, nonce = value.partition(":")
    if not user_part.isdigit() or not nonce:
        return None
    return (
        SubmissionToken.objects.filter(
            token=nonce, user_id=int(user_part), completed_at__isnull=False
        )
        .values_list("result_url", flat=True)
        .first()
    )


def _result_url(response: HttpResponse) -> str | None:
    """Where a successful answer sends (or points) the person; None for any other answer."""
    if response.status_code in _REDIRECTS and response.get("Location"):
        return response["Location"]
    if response.status_code == 200 and response.get("Content-Location"):
        return response["Content-Location"]
    return None


def idempotent(
    view: Callable[Concatenate[R, P], HttpResponse],
) -> Callable[Concatenate[R, P], HttpResponse]:
    """Make a form-handling view safe to submit twice: one write, every copy redirected to it.

    Every authenticated POST runs in one transaction, so a failure anywhere in the view leaves
    nothing behind (and the "not saved" page can say so).
    """

    @wraps(view)
    def wrapper(request: R, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if request.method != "POST" or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        raw = request.POST.get(FIELD_NAME, "")
        nonce = None
        if raw:
            try:
                nonce = read_submission_token(raw, request.user)
            except SubmissionTokenError as exc:
                return not_saved_response(request, reason=exc.reason)
        else:
            logger.info("POST to %s without a submission token", request.path)
        # While set, a database failure certainly rolls back everything this request wrote.
        setattr(request, ATOMIC_WRITE_FLAG, True)
        response = _run_once(view, request, nonce, *args, **kwargs)
        # Committed: a failure from here on (rendering) may follow a saved write.
        setattr(request, ATOMIC_WRITE_FLAG, False)
        return response

    return wrapper


def _run_once(
    view: Callable[Concatenate[R, P], HttpResponse],
    request: R,
    nonce: str | None,
    *args: P.args,
    **kwargs: P.kwargs,
) -> HttpResponse:
    """Run `view` in one transaction, claiming `nonce` first when there is one."""
    with transaction.atomic():
        if nonce is None:
            return view(request, *args, **kwargs)
        user = request.user
        assert user.is_authenticated  # a nonce is only read from a signed-in person's POST
        try:
            claim = claim_submission(token=nonce, user=user)
        except PermissionDenied:
            return not_saved_response(request, reason="invalid")
        if claim.completed_at is not None:
            messages.info(request, gettext("This was already saved; here it is."))
            return HttpResponseRedirect(claim.result_url)
        response = view(request, *args, **kwargs)
        result_url = _result_url(response)
        if result_url is not None:
            complete_submission(claim=claim, result_url=result_url)
        else:
            release_submission(claim=claim)
    return response
