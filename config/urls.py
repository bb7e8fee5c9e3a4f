"""Root URLconf: authentication (public), enrollment (public), admin console, the journal."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from journal.views import accounts

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            extra_email_context={"site_name": "Aftercare"},
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("enroll/<str:token>/", accounts.enroll, name="enroll"),
    path("clinic-admin/", admin.site.urls),
    path("", include("journal.urls")),
]

handler403 = "journal.views.errors.permission_denied"
handler404 = "journal.views.errors.page_not_found"
handler500 = "journal.views.errors.server_error"
