"""Installs the development tools app for the test run (see AFTERCARE_DEV_TOOLS in settings).

Loaded with `-p tests.dev_tools_plugin` from pytest's addopts, so the variable is set before
pytest-django reads the settings; a conftest would be too late.
"""

import os

os.environ["AFTERCARE_DEV_TOOLS"] = "1"
