from django.apps import AppConfig


class JournalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "journal"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from journal import db_types

        db_types.connect()
