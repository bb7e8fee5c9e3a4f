"""URLs of the journal app (namespace `journal`). Each feature area keeps its own block."""

from django.urls import path

from journal.views import home, patient

app_name = "journal"

urlpatterns = [
    path("", home.home, name="home"),
    path("patient/", patient.patient_home, name="patient-home"),
    path("provider/", home.provider_home, name="provider-home"),
    path("clinic/", home.admin_home, name="admin-home"),
]
