"""Shared pytest fixtures. Each group is owned by the test area named in its comment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.moto_server import MotoDeploy, MotoServer

# --- deploy tests (tests/moto_server.py, tests/test_deploy.py) -------------------------
# Imported inside the fixtures, so the rest of the suite never depends on them.


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[MotoServer]:
    """The extended moto server on a free 127.0.0.1 port, stopped after the test."""
    from tests.moto_server import start_moto_server

    server = start_moto_server(tmp_path)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def moto_deploy(request: pytest.FixtureRequest, tmp_path: Path) -> MotoDeploy:
    """Terraform (offline, provider from the mirror) pointed at `moto_server`; skips without them."""
    from tests.moto_server import MotoDeploy, find_provider_mirror, find_terraform

    binary = find_terraform()
    if binary is None:
        pytest.skip("terraform is not on PATH")
    mirror = find_provider_mirror()
    if mirror is None:
        pytest.skip("no hashicorp/aws filesystem mirror found (set TF_PLUGIN_MIRROR)")
    server: MotoServer = request.getfixturevalue("moto_server")  # only once the skips are decided
    scratch = tmp_path / "deploy"
    scratch.mkdir()
    return MotoDeploy(binary, mirror, server, scratch)
