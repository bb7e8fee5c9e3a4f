"""Security layer (OWASP ASVS L2): MFA gate, session limits, re-authentication, lockouts,
no-store and audit receivers. Views import the decorators from here:

    from journal.security import no_store, recent_auth_required
"""

from journal.security.decorators import no_store, recent_auth_required

__all__ = ["no_store", "recent_auth_required"]
