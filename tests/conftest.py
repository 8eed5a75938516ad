"""Shared fixtures. Integration fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(autouse=True)
def _network_opt_in(request: pytest.FixtureRequest) -> None:
    """Tests marked `network` reach the public npm registry: opt in with
    HOODY_TEST_NETWORK=1 (./scripts/test does)."""
    if request.node.get_closest_marker("network") and os.environ.get("HOODY_TEST_NETWORK") != "1":
        pytest.skip("needs the public npm registry: set HOODY_TEST_NETWORK=1")
