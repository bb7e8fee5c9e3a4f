"""URLs of the journal app (namespace `journal`). Each feature area keeps its own block."""

from django.urls import path

from journal.views import home, patient, ping, provider, security, sharing

app_name = "journal"

urlpatterns = [
    # --- Homes ---
    path("", home.home, name="home"),
    path("patient/", patient.patient_home, name="patient-home"),
    path("log/", patient.log_something, name="log-something"),
    path("entries/", patient.entry_list, name="entry-list"),
    path("provider/", provider.provider_home, name="provider-home"),
    path("clinic/", home.admin_home, name="admin-home"),
    path("ping/", ping.ping, name="ping"),
]

# --- Journal (sessions, reports, check-ins, readings, questionnaires, flags) ---
from journal.views.journal import (  # noqa: E402
    checkins,
    flags,
    questionnaires,
    readings,
    reports,
    sessions,
)

urlpatterns += [
    path("sessions/", sessions.session_list, name="session-list"),
    path("sessions/new/", sessions.session_create, name="session-create"),
    path(
        "sessions/new-with-report/",
        reports.session_report_create,
        name="session-report-create",
    ),
    path("sessions/<int:pk>/", sessions.session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session-edit"),
    path("sessions/<int:pk>/delete/", sessions.session_delete, name="session-delete"),
    path("sessions/<int:session_pk>/report/", reports.report_create, name="report-create"),
    path("reports/<int:pk>/", reports.report_detail, name="report-detail"),
    path("reports/<int:pk>/edit/", reports.report_edit, name="report-edit"),
    path("reports/<int:pk>/delete/", reports.report_delete, name="report-delete"),
    path("check-ins/", checkins.checkin_list, name="checkin-list"),
    path("check-ins/new/", checkins.checkin_create, name="checkin-create"),
    path("check-ins/<int:pk>/", checkins.checkin_detail, name="checkin-detail"),
    path("check-ins/<int:pk>/edit/", checkins.checkin_edit, name="checkin-edit"),
    path("check-ins/<int:pk>/delete/", checkins.checkin_delete, name="checkin-delete"),
    path("blood-pressure/", readings.reading_list, name="reading-list"),
    path("blood-pressure/new/", readings.reading_create, name="reading-create"),
    path("blood-pressure/<int:pk>/", readings.reading_detail, name="reading-detail"),
    path("blood-pressure/<int:pk>/edit/", readings.reading_edit, name="reading-edit"),
    path("blood-pressure/<int:pk>/delete/", readings.reading_delete, name="reading-delete"),
    path("questionnaires/", questionnaires.questionnaire_list, name="questionnaire-list"),
    path(
        "questionnaires/<str:instrument>/new/",
        questionnaires.questionnaire_create,
        name="questionnaire-create",
    ),
    path(
        "questionnaires/<int:pk>/",
        questionnaires.questionnaire_detail,
        name="questionnaire-detail",
    ),
    path(
        "questionnaires/<int:pk>/edit/",
        questionnaires.questionnaire_edit,
        name="questionnaire-edit",
    ),
    path(
        "questionnaires/<int:pk>/delete/",
        questionnaires.questionnaire_delete,
        name="questionnaire-delete",
    ),
    path("flags/", flags.flag_list, name="flag-list"),
]

# --- Charts and dashboard ---
from journal.views import dashboard  # noqa: E402

urlpatterns += [
    path("trends/", dashboard.dashboard, name="dashboard"),
    path("trends/charts/<slug:name>.svg", dashboard.chart, name="chart"),
    path(
        "trends/outcomes/<slug:instrument>/<slug:axis>.svg",
        dashboard.outcome_chart,
        name="outcome-chart",
    ),
]

# --- Sharing and provider workspace ---
urlpatterns += [
    path("sharing/", sharing.share_list, name="share-list"),
    path("sharing/new/", sharing.share_create, name="share-create"),
    path("sharing/<int:pk>/", sharing.share_edit, name="share-edit"),
    path("sharing/<int:pk>/revoke/", sharing.share_revoke, name="share-revoke"),
    path("sharing/<int:pk>/resume/", sharing.share_resume, name="share-resume"),
    path("sharing/who-viewed/", sharing.access_log_view, name="access-log"),
    path("provider/patients/<int:patient_id>/", provider.provider_patient, name="provider-patient"),
    path(
        "provider/patients/<int:patient_id>/print/",
        provider.provider_patient_print,
        name="provider-patient-print",
    ),
    path(
        "provider/patients/<int:patient_id>/charts/<slug:name>.svg",
        provider.provider_chart,
        name="provider-chart",
    ),
    path("provider/outcomes/", provider.provider_outcomes, name="provider-outcomes"),
    path(
        "provider/outcomes/charts/<slug:instrument>.svg",
        provider.provider_outcomes_chart,
        name="provider-outcomes-chart",
    ),
    path(
        "provider/patients/<int:patient_id>/outcomes/<slug:instrument>/<slug:axis>.svg",
        provider.provider_outcome_chart,
        name="provider-outcome-chart",
    ),
    path(
        "provider/patients/<int:patient_id>/baseline/",
        provider.provider_baseline,
        name="provider-baseline",
    ),
    path(
        "provider/flags/<int:flag_id>/acknowledge/",
        provider.provider_flag_acknowledge,
        name="provider-flag-acknowledge",
    ),
    path(
        "provider/patients/<int:patient_id>/flags/acknowledge/",
        provider.provider_flags_acknowledge,
        name="provider-flags-acknowledge",
    ),
]

# --- Security (MFA, re-authentication, account settings) ---
urlpatterns += [
    path("account/", security.account_settings, name="account-settings"),
    path("account/password/", security.password_change, name="password-change"),
    path("account/email/", security.email_change, name="email-change"),
    path(
        "account/email/confirm/",
        security.email_change_confirm_pending,
        name="email-change-confirm-pending",
    ),
    path(
        "account/email/confirm/<str:token>/",
        security.email_change_confirm,
        name="email-change-confirm",
    ),
    path("account/confirm/", security.reauth, name="reauth"),
    path("account/two-step/set-up/", security.mfa_setup, name="mfa-setup"),
    path("account/two-step/verify/", security.mfa_verify, name="mfa-verify"),
    path("account/two-step/remove/", security.mfa_remove, name="mfa-remove"),
    path(
        "account/two-step/recovery-codes/",
        security.mfa_recovery_codes,
        name="mfa-recovery-codes",
    ),
]

# --- Devices (every signed-in role sees and ends its own sessions) ---
from journal.views import devices  # noqa: E402

urlpatterns += [
    path("account/devices/", devices.devices, name="account-devices"),
    path(
        "account/devices/<int:device_id>/end/",
        devices.device_end,
        name="account-device-end",
    ),
    path(
        "account/devices/end-others/",
        devices.devices_end_others,
        name="account-devices-end-others",
    ),
]

# --- Exports and data rights ---
from journal.views import exports  # noqa: E402

urlpatterns += [
    path("export/", exports.export_page, name="export"),
    path("export/summary.pdf", exports.export_pdf, name="export-pdf"),
    path("export/csv.zip", exports.export_csv, name="export-csv"),
    path("export/fhir.json", exports.export_fhir, name="export-fhir"),
    path("export/everything.zip", exports.export_all, name="export-all"),
    path("account/delete/", exports.account_delete, name="account-delete"),
    path(
        "provider/patients/<int:patient_id>/export/summary.pdf",
        exports.provider_export_pdf,
        name="provider-export-pdf",
    ),
    path(
        "provider/patients/<int:patient_id>/export/csv.zip",
        exports.provider_export_csv,
        name="provider-export-csv",
    ),
    path(
        "provider/patients/<int:patient_id>/export/fhir.json",
        exports.provider_export_fhir,
        name="provider-export-fhir",
    ),
]

# --- Notifications (the unsubscribe link is public: its signed token is the credential) ---
from journal.views import notifications  # noqa: E402

urlpatterns += [
    path(
        "unsubscribe/<str:token>/",
        notifications.unsubscribe,
        name="notifications-unsubscribe",
    ),
    path(
        "unsubscribe/on-call/<str:token>/",
        notifications.on_call_unsubscribe,
        name="notifications-unsubscribe-on-call",
    ),
    path("notifications/", notifications.notification_list, name="notification-list"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    path(
        "account/notifications/",
        notifications.notification_settings,
        name="notification-settings",
    ),
    path("push/subscribe/", notifications.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", notifications.push_unsubscribe, name="push-unsubscribe"),
]

# --- Installable app: manifest and service worker at the site root (public, no data) ---
from journal.views import pwa  # noqa: E402

urlpatterns += [
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
]
