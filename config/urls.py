"""Root URLconf: authentication (public), enrollment (public), admin console, the journal."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from journal.admin import clinic_admin_site
from journal.security import no_store
from journal.security.login import LoginView
from journal.views import enrollment, password_reset

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
    path("enroll/<str:token>/", no_store(enrollment.enroll), name="enroll"),
    # The console has no log-in form of its own: everyone logs in (with MFA) on /login/.
    path(
        "clinic-admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
    ),
    path("clinic-admin/", clinic_admin_site.urls),
    path("", include("journal.urls")),
]

handler403 = "journal.views.errors.permission_denied"
handler404 = "journal.views.errors.page_not_found"
handler500 = "journal.views.errors.server_error"
