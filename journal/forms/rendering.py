"""The one form renderer: every form and field renders through the app's own templates."""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates


class FormRenderer(DjangoTemplates):
    """`{{ form }}` and `{{ field.as_field_group }}` use journal/forms/ templates."""

    form_template_name = "journal/forms/form.html"
    field_template_name = "journal/forms/field.html"
