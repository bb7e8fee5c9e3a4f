"""Every "who may see or do what" decision in Aftercare lives here.

Rules:
- nothing is public unless a view is marked `@login_not_required` (LoginRequiredMiddleware);
- a signed-in user of the wrong role gets 403 (`role_required`);
- an object outside the user's scope is 404, and list and detail views use the same scoped
  querysets, so a list can never show what a detail page would refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from journal.models import Role, User

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """Decorate a view so only signed-in users with one of `roles` reach it (others: 403)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def has_role(user: User, *roles: str) -> bool:
    """True when the user is signed in, active and holds one of `roles`."""
    return bool(user.is_authenticated and user.is_active and user.role in roles)


patient_required = role_required(Role.PATIENT)
provider_required = role_required(Role.PROVIDER)
clinic_admin_required = role_required(Role.ADMIN)


def can_use_admin_console(user: User) -> bool:
    """Clinic admins (and superusers) manage accounts in the admin console."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.is_staff and user.role == Role.ADMIN))
    )


def owned_by(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Rows of a patient-owned model that belong to `user` (empty for anyone but a patient)."""
    if not has_role(user, Role.PATIENT):
        return queryset.none()
    return queryset.filter(patient=user)


def get_owned_or_404(user: User, queryset: QuerySet[M], **lookup) -> M:
    """One of the patient's own rows, or 404 (never 403: strangers learn nothing)."""
    return get_object_or_404(owned_by(user, queryset), **lookup)


def home_url_name(user: User) -> str:
    """Where a signed-in user starts, by role."""
    if user.role == Role.PROVIDER:
        return "journal:provider-home"
    if user.role == Role.ADMIN:
        return "journal:admin-home"
    return "journal:patient-home"


def not_found() -> Http404:
    """The one answer for anything outside a user's scope."""
    return Http404("Not found")
