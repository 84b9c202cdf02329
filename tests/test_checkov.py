"""checkov on the golden Terraform of the echo example and of the events app (@tables, @scheduled,
@events, @queues, @tables-streams): the checks issue 3 names pass, every other failure is documented.

Runs only where a `checkov` executable exists ($CHECKOV, else PATH); checkov is
heavy, so it is not a test dependency: install it in its own venv.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from tests.regen_golden import GOLDEN_DIR

REPO = Path(__file__).resolve().parent.parent
MUST_PASS = ("CKV_AWS_364", "CKV_AWS_76", "CKV_AWS_21", "CKV_AWS_53", "CKV_AWS_55", "CKV_AWS_62",
             "CKV_AWS_63", "CKV_AWS_108", "CKV_AWS_109", "CKV_AWS_110", "CKV_AWS_111", "CKV_AWS_286",
             "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290", "CKV_AWS_355")


def _checkov() -> str | None:
    return os.environ.get("CHECKOV") or shutil.which("checkov")


@pytest.fixture(scope="module", params=["example-echo", "project-events-app"])
def results(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict:
    binary = _checkov()
    if binary is None:
        pytest.skip("checkov not installed (set CHECKOV or put it on PATH; see docs/checkov.md)")
    work = tmp_path_factory.mktemp("checkov") / "terraform"
    shutil.copytree(GOLDEN_DIR / request.param, work)
    command = [binary, "-d", str(work), "--framework", "terraform", "--skip-download", "--compact",
               "-o", "json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    report = json.loads(done.stdout)
    return report["results"]


def _by_id(checks: list[dict]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for check in checks:
        found[check["check_id"]].add(check["resource"])
    return found


def test_the_checks_that_matter_pass_and_none_is_skipped(results: dict) -> None:
    passed, failed = _by_id(results["passed_checks"]), _by_id(results["failed_checks"])
    assert not results["skipped_checks"]
    for check in MUST_PASS:
        assert passed.get(check), f"{check} was not evaluated on any resource"
        assert check not in failed, f"{check} fails on {sorted(failed[check])}"
    # Every invoke permission was checked and passed (source_arn scoped), whatever invokes it.
    permissions = {r for ids in (passed, failed) for r in ids.get("CKV_AWS_364", ())}
    assert permissions == passed["CKV_AWS_364"]
    if "module.wsproj" in next(iter(permissions)):
        # the echo app: one per HTTP route (1) and WebSocket route (3)
        assert sorted(permissions) == sorted(
            f"module.wsproj.aws_lambda_permission.{key}"
            for key in ('http["GET /"]', 'ws["$connect"]', 'ws["$default"]', 'ws["$disconnect"]'))
    else:
        # the events app: HTTP routes, EventBridge rules and SNS topics all invoke by permission
        kinds = {r.split(".")[3].split("[")[0] for r in permissions}
        assert {"http", "scheduled", "event"} <= kinds, sorted(permissions)


def test_every_failing_check_is_explained_in_the_docs(results: dict) -> None:
    documented = set(re.findall(r"CKV2?_AWS_\d+", (REPO / "docs" / "checkov.md").read_text()))
    failing = set(_by_id(results["failed_checks"]))
    assert failing <= documented, f"document these in docs/checkov.md: {sorted(failing - documented)}"
