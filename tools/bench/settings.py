"""The benchmark's settings: the shipped settings (read from the environment as in production)
with the reference page added to the URLconf. Nothing else differs."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tools.bench.urls"
