"""Console-initiated account recovery: a password reset email to the person's own address.

Staff never receive a credential for someone else's account: the link goes only to the
address on file, through the same reset flow a person starts from the log-in page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from journal.models import User
from journal.security.forms import RecipientLanguagePasswordResetForm
from journal.services.audit import record_audit


def send_password_reset(*, actor: User, user: User, ip: str | None = None) -> None:
    """Email `user` a password reset link at their own address (never shown to `actor`);
    audited as the admin's action on the user."""
    if not user.is_active:
        raise ValidationError(_("This account is deactivated; reactivate it first."))
    if not user.has_usable_password():
        raise ValidationError(
            _("This person has not enrolled yet: send them a new enrollment link instead.")
        )
    site = urlsplit(settings.SITE_URL)
    form = RecipientLanguagePasswordResetForm({"email": user.email})
    form.is_valid()  # an address already on file is always well formed
    form.save(
        domain_override=site.netloc,
        use_https=site.scheme == "https",
        extra_email_context={"site_name": "Aftercare"},
    )
    record_audit(action="password.reset_sent_by_staff", actor=actor, subject=user, ip=ip)
