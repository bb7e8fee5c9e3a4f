from django.apps import AppConfig


class ToolsConfig(AppConfig):
    """The `benchmark`, `generate_data` and `loadtest` commands; no models, no URLs."""

    name = "tools"
    label = "tools"
    verbose_name = "Aftercare development tools"
