"""The lock files pin every runtime and test dependency with hashes, in step with pyproject."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
TEST = [Requirement(line) for line in PROJECT["optional-dependencies"]["test"]]
LOCKS = {"runtime": (ROOT / "requirements" / "runtime.txt", RUNTIME)}
LOCKS["test"] = (ROOT / "requirements" / "test.txt", RUNTIME + TEST)

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}$")
UPPER_BOUND_OPERATORS = {"<", "<=", "==", "~=", "==="}


def lock_entries(path: Path) -> list[list[str]]:
    """Each requirement of a pip requirements file as its tokens, continuation lines joined."""
    logical = re.sub(r"\\\n", " ", path.read_text())
    lines = (line.split("#", 1)[0].strip() for line in logical.splitlines())
    return [line.split() for line in lines if line]


def pins(path: Path) -> dict[str, str]:
    """Package name (normalised) to pinned version."""
    found = {}
    for tokens in lock_entries(path):
        match = PIN.match(tokens[0])
        assert match, f"{path.name}: not an exact pin: {tokens[0]}"
        found[canonicalize_name(match["name"])] = match["version"]
    return found


@pytest.mark.parametrize("requirement", RUNTIME + TEST, ids=str)
def test_every_direct_dependency_has_an_upper_bound(requirement: Requirement) -> None:
    operators = {spec.operator for spec in requirement.specifier}
    assert operators & UPPER_BOUND_OPERATORS, f"{requirement} has no upper bound"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_locked_requirement_is_an_exact_pin_with_hashes(lock: str) -> None:
    path, _ = LOCKS[lock]
    entries = lock_entries(path)
    assert len(entries) > 20
    for tokens in entries:
        assert PIN.match(tokens[0]), f"{path.name}: not an exact pin: {tokens[0]}"
        hashes = tokens[1:]
        assert hashes, f"{path.name}: {tokens[0]} carries no --hash"
        assert all(HASH.match(token) for token in hashes), f"{path.name}: {tokens}"


@pytest.mark.parametrize("lock", LOCKS)
def test_every_direct_dependency_is_pinned_within_its_pyproject_range(lock: str) -> None:
    path, direct = LOCKS[lock]
    pinned = pins(path)
    for requirement in direct:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is missing from {path.name}: run .ci/lock"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"{path.name} pins {name}=={pinned[name]} outside {requirement}: run .ci/lock"
        )


def test_tests_run_against_the_runtime_versions_a_deployment_installs() -> None:
    runtime, test = pins(LOCKS["runtime"][0]), pins(LOCKS["test"][0])
    differing = {name: (version, test.get(name)) for name, version in runtime.items()}
    assert {name: pair for name, pair in differing.items() if pair[0] != pair[1]} == {}
