"""Fixtures for the robustness suite: the figures it counts, and one real app server, started offline."""

from __future__ import annotations

import pytest

from tests.robustness.figures import FIGURES


@pytest.fixture(scope="session")
def figures():
    yield FIGURES
    FIGURES.save()
