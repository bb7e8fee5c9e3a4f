"""After erasure, a search of every text column in the database finds neither the person's
name nor their email: not in the journal, not in the clinic console's log, not in axes' tables."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from freezegun import freeze_time

from journal.models import Role, User
from journal.services import data_rights
from tests.conftest import PASSWORD, enroll
from tests.factories import export_journal

pytestmark = pytest.mark.django_db(transaction=False)

NAME = "Quentin Marchbanks"
EMAIL = "quentin.marchbanks@example.test"


def _rows_mentioning(*needles: str) -> list[str]:
    found = []
    for model in apps.get_models():
        text_fields = [
            f.name
            for f in model._meta.get_fields()
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and f.concrete
        ]
        for field in text_fields:
            query = Q()
            for needle in needles:
                query |= Q(**{f"{field}__icontains": needle})
            if isinstance(model._meta.get_field(field), models.JSONField):
                hits = [
                    row
                    for row in model.objects.values_list(field, flat=True)
                    if any(n.lower() in str(row).lower() for n in needles)
                ]
            else:
                hits = list(model.objects.filter(query).values_list(field, flat=True))
            found += [f"{model._meta.label}.{field}: {hit}" for hit in hits]
    return found


def test_erasure_leaves_the_name_and_email_nowhere(client, clinic_admin) -> None:
    with freeze_time("2026-03-01 12:00:00+00:00"):
        person = enroll(EMAIL, Role.PATIENT, display_name=NAME)
        export_journal(person)
        # The clinic console edited the account: Django's admin log keeps its repr.
        LogEntry.objects.create(
            user=clinic_admin,
            content_type_id=ContentType.objects.get_for_model(User).pk,
            object_id=str(person.pk),
            object_repr=str(person),
            action_flag=CHANGE,
            change_message="[]",
        )
        # A failed and a successful log-in: axes keeps the typed email.
        client.post(reverse("login"), {"username": EMAIL, "password": "not the password"})
        client.post(reverse("login"), {"username": EMAIL, "password": PASSWORD})
        assert _rows_mentioning(EMAIL), "the set-up should leave the email somewhere"
        data_rights.request_erasure(user=person, password=PASSWORD)
    with freeze_time("2026-06-01 12:00:00+00:00"):
        assert data_rights.erase_due_accounts() == [person.pk]
    leftovers = _rows_mentioning(EMAIL, NAME, "marchbanks")
    assert leftovers == []
