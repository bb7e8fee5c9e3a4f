"""Password validators beyond Django's: this service's context words, and breached passwords.

Both work offline. The breached check uses the list bundled with Django (20,000 passwords seen in
breaches) and also catches its everyday variants (capitals, look-alike digits, a year or "!" on the
end). A k-anonymity lookup against a Pwned Passwords range API is added only when
`PWNED_PASSWORDS_RANGE_URL` is configured; by default nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import logging
import re
import urllib.request
from functools import cache
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# Words anyone guessing a password for this service would try first (NIST SP 800-63B 5.1.1.2:
# "context-specific words, such as the name of the service, the username, and derivatives").
SERVICE_WORDS = (
    "aftercare",
    "ketamine",
    "esketamine",
    "spravato",
    "clinic",
    "patient",
    "provider",
    "therapy",
    "password",
    "passwort",
    "letmein",
    "welcome",
)
# A password with the context words taken out must still be at least this long.
MIN_REMAINDER = 8
# Context words shorter than this are too common inside ordinary words to be refused.
MIN_WORD = 4

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_TRAILING = re.compile(r"[\d\W_]+$")


def normalise(password: str) -> str:
    """Lower case with look-alike digits and symbols read as the letters they stand for."""
    return password.casefold().translate(_LEET)


def _clinic_words() -> list[str]:
    from journal.models import ClinicSettings

    names = [getattr(settings, "CLINIC_NAME", "")]
    names += ClinicSettings.objects.filter(pk=1).values_list("clinic_name", flat=True)
    return [word for name in names for word in re.split(r"[\W_]+", name.casefold())]


def _user_words(user: Any) -> list[str]:
    words: list[str] = []
    for attribute in ("email", "display_name", "first_name", "last_name", "username"):
        value = str(getattr(user, attribute, "") or "")
        if attribute == "email":
            value = value.split("@", 1)[0]
        words.extend(re.split(r"[\W_]+", value.casefold()))
    return words


class ContextWordValidator:
    """Refuse passwords that are little more than this service's, clinic's or user's own words."""

    def __init__(self, min_remainder: int = MIN_REMAINDER) -> None:
        self.min_remainder = min_remainder

    def context_words(self, user: Any = None) -> list[str]:
        """The words to refuse, longest first so the longest match is removed first."""
        words = {*SERVICE_WORDS, *_clinic_words(), *(_user_words(user) if user else [])}
        return sorted((w for w in words if len(w) >= MIN_WORD), key=len, reverse=True)

    def validate(self, password: str, user: Any = None) -> None:
        text = normalise(password)
        found = [word for word in self.context_words(user) if word in text]
        if not found:
            return
        remainder = text
        for word in found:
            remainder = remainder.replace(word, "")
        remainder = re.sub(r"[\W_]+", "", remainder)
        if len(remainder) < self.min_remainder:
            raise ValidationError(
                _(
                    "This password is built on a word that anyone would try first for this "
                    "service, this clinic or your account (such as “%(word)s”). Choose words that "
                    "have nothing to do with the clinic, your treatment or your name."
                ),
                code="password_context_word",
                params={"word": found[0]},
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t be built on the clinic’s name, this service’s name, your "
            "treatment or your own name or email."
        )


@cache
def _breached() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


def variants(password: str) -> set[str]:
    """Forms a breached-list lookup tries: as typed, de-leeted, minus trailing digits/symbols."""
    lowered = password.casefold().strip()
    forms = {lowered, normalise(lowered)}
    forms |= {_TRAILING.sub("", form) for form in list(forms)}
    return {form for form in forms if len(form) >= 6}


def pwned_count(password: str, range_url: str, timeout: float = 3.0) -> int | None:
    """How often a Pwned Passwords range API has seen the password (only 5 hex digits leave)."""
    digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured https endpoint
        range_url.rstrip("/") + "/" + prefix,
        headers={"Add-Padding": "true", "User-Agent": "aftercare-password-check"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read().decode("ascii", "replace")
    except OSError:
        logger.warning("breached-password lookup unavailable; the offline list still applied")
        return None
    for line in body.splitlines():
        candidate, _sep, count = line.partition(":")
        if candidate.strip() == suffix:
            return int(count.strip() or 0)
    return 0


class BreachedPasswordValidator:
    """Refuse breached passwords: the bundled list always, a range API only when configured."""

    def validate(self, password: str, user: Any = None) -> None:
        if variants(password) & _breached():
            raise ValidationError(
                _(
                    "This password, or one a small change away from it, appears in lists of "
                    "passwords leaked in data breaches. Choose a different one."
                ),
                code="password_breached",
            )
        range_url = getattr(settings, "PWNED_PASSWORDS_RANGE_URL", "")
        if range_url and (pwned_count(password, range_url) or 0) > 0:
            raise ValidationError(
                _(
                    "This password appears in a database of passwords leaked in data breaches. "
                    "Choose a different one."
                ),
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return _("Your password can’t be one that has appeared in a data breach.")
