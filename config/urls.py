"""Root URLconf: authentication (public), enrollment (public), admin console, the journal."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from journal.admin import clinic_admin_site
from journal.security import no_store
from journal.security.login import LoginView
from journal.views import console, enrollment, password_reset

urlpatterns = [
    path(
        "login/",
        no_store(LoginView.as_view()),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        password_reset.AuditedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        no_store(password_reset.AuditedPasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Before the token pattern, which would otherwise take "set-password" for a token.
    path(
        "enroll/set-password/",
        no_store(enrollment.enroll_set_password),
        name="enroll-set-password",
    ),
    path("enroll/<str:token>/", no_store(enrollment.enroll), name="enroll"),
    # The console has no log-in form of its own: everyone logs in (with MFA) on /login/.
    path("clinic-admin/login/", console.console_login),
    # Nor a password form: the app's own is audited, asks for the current password and
    # ends other sessions.
    path(
        "clinic-admin/password_change/",
        RedirectView.as_view(pattern_name="journal:password-change"),
    ),
    path(
        "clinic-admin/password_change/done/",
        RedirectView.as_view(pattern_name="journal:account-settings"),
    ),
    path("clinic-admin/", clinic_admin_site.urls),
    path("", include("journal.urls")),
]

handler400 = "journal.views.errors.bad_request"
handler403 = "journal.views.errors.permission_denied"
handler404 = "journal.views.errors.page_not_found"
handler500 = "journal.views.errors.server_error"
