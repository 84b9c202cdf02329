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
def moto_deploy(request: pytest.FixtureRequest, tmp_path: Path,
                tmp_path_factory: pytest.TempPathFactory) -> MotoDeploy:
    """Terraform (offline, provider from the mirror) pointed at `moto_server`; skips without them."""
    from tests.moto_server import MotoDeploy
    from tests.tfharness import terraform_or_skip

    # One CLI config and plugin cache for every deploy test of the session.
    harness = terraform_or_skip(tmp_path_factory.getbasetemp() / "tf-deploy")
    server: MotoServer = request.getfixturevalue("moto_server")  # only once the skips are decided
    scratch = tmp_path / "deploy"
    scratch.mkdir()
    return MotoDeploy(harness.binary, harness.env, server, scratch)
