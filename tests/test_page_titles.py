"""No health information in page titles: tabs, bookmarks and browser history see only the page kind.

Walks every URL of the URL × persona matrix as each persona who may open it and checks the
`<title>` against the shared patient's name, email, recorded vitals and entry dates.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from journal.models import BloodPressureReading, CheckIn, TreatmentSession
from tests.conftest import client_for
from tests.test_url_matrix import MATRIX, PERSONAS, _url
from tests.test_url_matrix import world as world  # the matrix's objects, as a fixture here

pytestmark = pytest.mark.django_db
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def _forbidden(patient) -> set[str]:
    words = {patient.display_name, patient.email, patient.email.split("@")[0]}
    for reading in BloodPressureReading.objects.filter(patient=patient):
        words |= {f"{reading.systolic}/{reading.diastolic}", str(reading.systolic)}
    stamps = [s.started_at for s in TreatmentSession.objects.filter(patient=patient)]
    stamps += [c.recorded_at for c in CheckIn.objects.filter(patient=patient)]
    for stamp in stamps:
        local = timezone.localtime(stamp)
        words |= {f"{local:%-d %b %Y}", f"{local:%Y-%m-%d}"}
    return {w for w in words if w}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_titles_name_the_page_not_the_patient_or_their_readings(name, personas, world) -> None:
    row = MATRIX[name]
    forbidden = _forbidden(personas.patient)
    url = _url(name, row, world)
    for persona in PERSONAS:
        if row.expect[persona] != 200 or persona == "anonymous":
            continue
        response = client_for(getattr(personas, persona)).get(url)
        if "text/html" not in response.get("Content-Type", ""):
            continue
        match = TITLE.search(response.content.decode())
        assert match, f"{name} as {persona} has no title"
        title = match.group(1)
        leaked = sorted(w for w in forbidden if w in title)
        assert not leaked, f"{name} as {persona}: title {title!r} shows {leaked}"


def test_a_reading_page_is_titled_by_kind(patient, world) -> None:
    reading = world["journal_reading"]
    response = client_for(patient).get(f"/blood-pressure/{reading.pk}/")
    title = TITLE.search(response.content.decode()).group(1)
    assert title.startswith("Blood pressure reading")
    assert str(reading.systolic) not in title
