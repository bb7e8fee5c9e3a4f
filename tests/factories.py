"""Test data built through `journal.services`, so tests exercise the real write paths."""

from __future__ import annotations


def world_objects(personas) -> dict[str, object]:
    """One object of each kind a URL can point at, owned by `personas.patient`.

    Each feature adds its objects here; the URL × persona matrix looks them up by key.
    """
    return {}
