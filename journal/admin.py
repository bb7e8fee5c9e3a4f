"""The clinic admin console (Django admin), limited to account metadata, settings and audit logs.

Journal content is deliberately not registered here: clinic admins manage accounts, not care.
Every change goes through `journal.services`.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp.admin import OTPAdminSite

from journal import services
from journal.forms import LanguageField, TimeZoneField
from journal.http import client_ip, is_signed_in
from journal.models import AccessEvent, AlertRecord, AuditEvent, ClinicSettings, User
from journal.models.accounts import WEEKDAYS
from journal.permissions import can_use_admin_console
from journal.services import accounts


class ClinicAdminSite(OTPAdminSite):
    """The clinic console: clinic admins (and superusers) with a verified second factor.

    OTPAdminSite asks for a verified device on top of Django's active-staff check, so the
    console refuses on its own even if MFARequiredMiddleware were bypassed. Only the models
    registered below appear; MFA devices and groups are never registered here."""

    site_header = gettext_lazy("Aftercare clinic admin")
    site_title = gettext_lazy("Aftercare clinic admin")
    index_title = gettext_lazy("Accounts, settings and audit")

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and can_use_admin_console(request.user)

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        # Every console page warns while patients cannot be enrolled (admin/base_site.html).
        context["clinic_contacts_missing"] = (
            context["has_permission"] and not ClinicSettings.load_thresholds().contacts_complete
        )
        return context


# Named "admin" so the console's URL names stay `admin:...`; config/urls.py mounts it.
clinic_admin_site = ClinicAdminSite(name="admin")


def _actor(request: HttpRequest) -> User:
    """The signed-in clinic admin: `has_permission` lets no one else reach a console page."""
    assert is_signed_in(request)
    return request.user


class ClinicAdminOnly:
    """Every permission question in the console has one answer: is this a clinic admin?"""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_use_admin_console(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_use_admin_console(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_use_admin_console(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return can_use_admin_console(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReadOnly(ClinicAdminOnly):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


# The clinic admin sets someone else's zone: not "Your time zone".
STAFF_TIME_ZONE = {
    "label": gettext_lazy("Time zone"),
    "help_text": gettext_lazy("The person's local time zone; they can change it"),
}


class AccountAddForm(forms.ModelForm):
    time_zone = TimeZoneField(initial="America/New_York", **STAFF_TIME_ZONE)
    language = LanguageField(
        initial="en",
        help_text=gettext_lazy(
            "The enrollment email is written in this language; the person can change it when "
            "they enroll and later in their settings."
        ),
    )

    class Meta:
        model = User
        fields = ["email", "display_name", "role", "time_zone", "language"]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("role"):
            # The service refuses too; asking here keeps the typed form on screen with the reason.
            accounts.require_clinic_contacts(role=cleaned["role"])
        return cleaned


class AccountChangeForm(forms.ModelForm):
    time_zone = TimeZoneField(**STAFF_TIME_ZONE)

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]


@admin.register(User, site=clinic_admin_site)
class UserAdmin(ClinicAdminOnly, admin.ModelAdmin):
    list_display = ["display_name", "email", "role", "is_active", "last_login", "date_joined"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "display_name"]
    ordering = ["role", "display_name"]
    actions = [
        "resend_enrollment",
        "send_password_reset",
        "deactivate",
        "reactivate",
        "unlock_login",
        "reset_mfa",
        "log_out_everywhere",
    ]
    readonly_fields = [
        "email",
        "role",
        "is_active",
        "last_login",
        "date_joined",
        "deactivated_at",
        "provider_code",
    ]

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        kwargs["form"] = AccountChangeForm if obj else AccountAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ["email", "display_name", "role", "time_zone", "language"]
        return ["display_name", "time_zone", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if change:
            services.update_account(
                actor=_actor(request),
                user=obj,
                display_name=form.cleaned_data["display_name"],
                time_zone=form.cleaned_data["time_zone"],
                ip=client_ip(request),
            )
            return
        user, _link = services.create_account(
            actor=_actor(request),
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            role=form.cleaned_data["role"],
            time_zone=form.cleaned_data["time_zone"],
            language=form.cleaned_data.get("language") or None,
            ip=client_ip(request),
        )
        obj.pk = user.pk
        obj._state.adding = False
        # The link is a credential for the account: it goes to the person only, never to staff.
        text = _("Enrollment link emailed to %(email)s (single use, expires).") % {
            "email": user.email
        }
        messages.info(request, text)

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        qs = super().get_queryset(request)
        if not request.user.is_superuser:
            qs = qs.filter(is_superuser=False)
        return qs

    @admin.action(
        description=gettext_lazy("Send a new enrollment link (only to people not yet enrolled)")
    )
    def resend_enrollment(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            try:
                services.issue_invitation(actor=_actor(request), user=user, ip=client_ip(request))
            except ValidationError as exc:
                messages.error(request, f"{user.email}: {' '.join(exc.messages)}")
            else:
                text = _("New enrollment link emailed to %(email)s.") % {"email": user.email}
                messages.info(request, text)

    @admin.action(
        description=gettext_lazy("Send a password reset email (to the person's own address)")
    )
    def send_password_reset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from journal.services import recovery

        for user in queryset:
            try:
                recovery.send_password_reset(
                    actor=_actor(request), user=user, ip=client_ip(request)
                )
            except ValidationError as exc:
                messages.error(request, f"{user.email}: {' '.join(exc.messages)}")
            else:
                text = _("Password reset email sent to %(email)s.") % {"email": user.email}
                messages.info(request, text)

    @admin.action(description=gettext_lazy("Deactivate (cannot log in; open sessions end)"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=True):
            try:
                services.deactivate_account(actor=_actor(request), user=user, ip=client_ip(request))
            except ValidationError as exc:
                messages.error(request, f"{user.email}: {' '.join(exc.messages)}")
            else:
                text = _("%(email)s is deactivated.") % {"email": user.email}
                messages.success(request, text)

    @admin.action(description=gettext_lazy("Reactivate"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset.filter(is_active=False):
            services.reactivate_account(actor=_actor(request), user=user, ip=client_ip(request))
            text = _("%(email)s can log in again.") % {"email": user.email}
            messages.success(request, text)

    # --- Security: lift a brute-force lock; reset lost two-step verification ---
    @admin.action(description=gettext_lazy("Unlock log-in (after too many failed attempts)"))
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from journal.services import security

        for user in queryset:
            security.unlock_login(actor=_actor(request), user=user, ip=client_ip(request))
            text = _("%(email)s can try to log in again now.") % {"email": user.email}
            messages.success(request, text)

    @admin.action(
        description=gettext_lazy("Reset two-step verification (lost phone and recovery codes)")
    )
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from journal.services import security

        for user in queryset.exclude(pk=_actor(request).pk):
            security.remove_mfa(actor=_actor(request), user=user, ip=client_ip(request))
            text = _("%(email)s will set up two-step verification again.") % {"email": user.email}
            messages.success(request, text)

    @admin.action(
        description=gettext_lazy("Log out everywhere (ends every session; the account stays open)")
    )
    def log_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from journal.services import devices

        actor = _actor(request)
        if queryset.filter(pk=actor.pk).exists():
            messages.error(
                request, _("Your own sessions: use Devices in your account settings instead.")
            )
        for user in queryset.exclude(pk=actor.pk):
            ended = devices.end_all_sessions(actor=actor, user=user, ip=client_ip(request))
            text = ngettext(
                "%(email)s is logged out everywhere (%(count)s session).",
                "%(email)s is logged out everywhere (%(count)s sessions).",
                ended,
            ) % {"email": user.email, "count": ended}
            messages.success(request, text)


class ClinicSettingsForm(forms.ModelForm):
    """The settings form; the admin builds its fields from `ClinicSettingsAdmin.fieldsets`."""

    clinic_open_days = forms.MultipleChoiceField(
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Clinic open days"),
        help_text=gettext_lazy("Alerts raised on other days wait for the next open day's opening."),
        error_messages=dict(required=gettext_lazy("Choose at least one day the clinic is open.")),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Stored as weekday digits ("01234"); the checkboxes want one value per day.
        self.initial["clinic_open_days"] = list(self.instance.clinic_open_days)

    def clean_clinic_open_days(self) -> str:
        return "".join(sorted(set(self.cleaned_data["clinic_open_days"])))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        # The service refuses too; asking here shows the reason next to the number.
        accounts.check_clinic_contacts_kept(
            changes={name: cleaned[name] for name in self.changed_data if name in cleaned}
        )
        return cleaned


@admin.register(ClinicSettings, site=clinic_admin_site)
class ClinicSettingsAdmin(ClinicAdminOnly, admin.ModelAdmin):
    form = ClinicSettingsForm
    list_display = ["clinic_name", "clinic_phone", "after_hours_phone", "updated_at"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (
            gettext_lazy("Clinic"),
            {
                "fields": [
                    "clinic_name",
                    "clinic_phone",
                    "after_hours_phone",
                    "emergency_number",
                    "crisis_number",
                ]
            },
        ),
        (
            gettext_lazy("Flag thresholds"),
            {
                "fields": [
                    "severe_systolic",
                    "severe_diastolic",
                    "predose_systolic",
                    "predose_diastolic",
                    "rise_systolic",
                    "rise_diastolic",
                    "pulse_high",
                    "pulse_low",
                    "very_low_mood",
                    "low_mood",
                    "mood_drop",
                    "phq9_severe",
                    "phq9_worsening",
                    "gad7_severe",
                    "severe_side_effect",
                    "heavy_bother",
                    "heavy_effects_count",
                    "heavy_effects_severity",
                    "lingering_hours",
                    "cravings_severity",
                    "urinary_severity",
                    "rising_urinary_checkins",
                    "memory_severity",
                ]
            },
        ),
        (
            gettext_lazy("Accounts"),
            {"fields": ["enrollment_link_hours", "erasure_grace_days", "staff_idle_minutes"]},
        ),
        (
            gettext_lazy("Reminders and alerts"),
            {
                "fields": [
                    "report_reminder_time",
                    "checkin_reminder_time",
                    "questionnaire_reminder_time",
                    "questionnaire_interval_days",
                    "quiet_start",
                    "quiet_end",
                    "clinic_opens",
                    "clinic_closes",
                    "clinic_open_days",
                    "clinic_time_zone",
                    "alert_on_high",
                    "on_call_email",
                ]
            },
        ),
        (None, {"fields": ["updated_at"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest):
        ClinicSettings.load()
        return super().get_queryset(request)

    def save_model(self, request: HttpRequest, obj: ClinicSettings, form, change: bool) -> None:
        services.update_clinic_settings(
            actor=_actor(request),
            values={name: form.cleaned_data[name] for name in form.changed_data},
            ip=client_ip(request),
        )


@admin.register(AuditEvent, site=clinic_admin_site)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "action", "outcome", "actor", "subject", "ip"]
    list_filter = ["action", "outcome"]
    search_fields = ["actor__email", "subject__email", "action"]
    date_hierarchy = "at"
    list_select_related = ["actor", "subject"]


@admin.register(AccessEvent, site=clinic_admin_site)
class AccessEventAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "actor", "patient", "what", "ip"]
    list_filter = ["what"]
    search_fields = ["actor__email", "patient__email"]
    date_hierarchy = "at"
    list_select_related = ["actor", "patient"]

    def get_fields(self, request: HttpRequest, obj=None):
        return ["at", "actor", "patient", "share", "what", "path", "ip", "user_agent"]


@admin.register(AlertRecord, site=clinic_admin_site)
class AlertRecordAdmin(ReadOnly, admin.ModelAdmin):
    """Every clinician alert: who, when, on which channel, about which flag id; nothing of the
    flag itself or the patient."""

    list_display = ["due_at", "sent_at", "status", "sent_to", "channel", "flag_id", "attempts"]
    list_filter = ["status", "channel"]
    date_hierarchy = "due_at"
    list_select_related = ["recipient"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[AlertRecord]:
        return super().get_queryset(request).filter(kind="flag_alert")

    def get_fields(self, request: HttpRequest, obj=None):
        return ["due_at", "sent_at", "status", "sent_to", "channel", "flag_id", "attempts", "error"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("Sent to"))
    def sent_to(self, obj: AlertRecord) -> str:
        return (
            str(obj.recipient)
            if obj.recipient_id
            else _("On-call: %(address)s") % {"address": obj.address}
        )
