"""The wheel installs and runs outside the checkout.

Builds the wheel from a copy of the repository, installs it with the locked runtime
dependencies (hash-checked) into a fresh virtualenv in a temporary directory outside the
repository, and from another temporary working directory runs migrate and collectstatic with
production settings, then serves the login page and its static files with gunicorn and
whitenoise. The virtualenv is filled by uv, from its cache in seconds where pip takes most of
a minute (.ci/install already installs the same pins with `pip --require-hashes`).

It still takes the better part of a minute, so it is skipped when DATABASE_URL is set: nothing
in it depends on the database engine and CI needs it only once, on the SQLite run.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from uv import find_uv_bin

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="the wheel is installed and served once per CI run, on the SQLite pass",
)

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "w" * 30 + "-wheel-install-test-secret-key-0123456789"
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "__pycache__",
    "*.pyc",
    "*.sqlite3*",
    "staticfiles",
    "build",
    "dist",
    "*.egg-info",
    "test-results",
)
# Settings the surrounding test run may have set; the installed app gets only what it is given.
INHERITED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "AFTERCARE_DEV_TOOLS",  # the tools app does not ship: a deployment never has it
    "DATABASE_URL",
    "SQLITE_PATH",
    "STATIC_ROOT",
    "LOCAL_DIR",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "CACHE_URL",
    "PYTHONPATH",
    "VIRTUAL_ENV",
}


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command, failing the test with its output if it fails; returns its stdout."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local URL)
        return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout that also holds a dev-only tools/ package."""
    source = tmp_path_factory.mktemp("source") / "aftercare"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    tools = source / "tools"
    tools.mkdir(exist_ok=True)
    (tools / "__init__.py").touch()
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, source, cwd=dist)
    (built,) = dist.glob("aftercare-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv outside the repository with the locked runtime and the wheel."""
    venv = tmp_path_factory.mktemp("venv")
    assert not venv.is_relative_to(ROOT)
    uv = find_uv_bin()
    run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=venv)
    install = (uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python")
    run(*install, "--require-hashes", "-r", ROOT / "requirements" / "runtime.txt", cwd=venv)
    run(*install, "--no-deps", wheel, cwd=venv)
    yield venv
    shutil.rmtree(venv)  # a few hundred megabytes; pytest keeps old temporary directories


@pytest.fixture(scope="module")
def site(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The installed app, migrated, static files collected, served by gunicorn; its base URL."""
    cwd = tmp_path_factory.mktemp("site")
    env = {key: value for key, value in os.environ.items() if key not in INHERITED}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front of this server
        "MPLCONFIGDIR": str(cwd / "matplotlib"),
    }
    bin_dir = installed / "bin"
    imported = run(bin_dir / "python", "-c", "import journal; print(journal.__file__)", cwd=cwd)
    assert Path(imported.strip()).is_relative_to(installed), "journal not imported from the wheel"
    run(bin_dir / "django-admin", "migrate", "--noinput", cwd=cwd, env=env)
    run(bin_dir / "django-admin", "collectstatic", "--noinput", cwd=cwd, env=env)
    # The database and the collected files land in the working directory, not site-packages.
    assert (cwd / "db.sqlite3").is_file()
    assert (cwd / "staticfiles" / "staticfiles.json").is_file()
    port = free_port()
    server = subprocess.Popen(
        [bin_dir / "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"gunicorn exited:\n{server.communicate()[1]}"
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            try:
                get(f"{base}/login/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_wheel_holds_the_whole_app_and_nothing_dev_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for expected in (
        "config/settings.py",
        "config/wsgi.py",
        "journal/views/__init__.py",
        "journal/models/__init__.py",
        "journal/services/__init__.py",
        "journal/migrations/0001_initial.py",
        "journal/templates/base.html",
        "journal/templates/registration/login.html",
        "journal/templates/registration/password_reset_subject.txt",
        "journal/static/vendor/bootstrap/bootstrap.min.css",
        "journal/static/journal/app.css",
    ):
        assert expected in names
    shipped = [name for name in names if name.startswith(("tests/", "tools/"))]
    assert shipped == []
    # Every template and static file of the checkout ships.
    for folder in ("templates", "static"):
        in_checkout = {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / "journal" / folder).rglob("*")
            if path.is_file()
        }
        assert in_checkout <= set(names), in_checkout - set(names)


def test_installed_wheel_serves_the_login_page_and_its_hashed_static_files(site: str) -> None:
    status, _, body = get(f"{site}/login/")
    page = body.decode()
    assert status == 200
    assert 'name="username"' in page
    assert 'name="password"' in page
    css = re.search(r'href="(/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css)"', page)
    assert css, "the login page does not link the hashed Bootstrap CSS"

    status, headers, stylesheet = get(site + css[1])
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"Bootstrap" in stylesheet[:200]
    # Whitenoise marks hashed names as cacheable forever.
    assert "immutable" in headers["Cache-Control"]
