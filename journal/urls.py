"""URLs of the journal app (namespace `journal`). Each feature area keeps its own block."""

from django.urls import path

from journal.views import home, patient

app_name = "journal"

urlpatterns = [
    # --- Homes ---
    path("", home.home, name="home"),
    path("patient/", patient.patient_home, name="patient-home"),
    path("provider/", home.provider_home, name="provider-home"),
    path("clinic/", home.admin_home, name="admin-home"),
]

# --- Journal (sessions, reports, check-ins, readings, questionnaires, flags) ---
urlpatterns += []

# --- Charts and dashboard ---
urlpatterns += []

# --- Sharing and provider workspace ---
urlpatterns += []

# --- Security (MFA, re-authentication, account settings) ---
urlpatterns += []

# --- Exports and data rights ---
urlpatterns += []
