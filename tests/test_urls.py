"""`arc2tf urls` against a real `terraform output` of an applied state.

The root here holds only `output` blocks (no provider), so Terraform inits and
applies offline in a second and the test reads what a real apply recorded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ARC2TF = [sys.executable, "-m", "arc2tf"]
TERRAFORM = shutil.which("terraform")
needs_terraform = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")

OUTPUTS = """\
output "http_url" { value = "https://h1.execute-api.us-west-2.amazonaws.com" }
output "ws_url" { value = "wss://w1.execute-api.us-west-2.amazonaws.com/staging" }
output "ws_callback_url" { value = "https://w1.execute-api.us-west-2.amazonaws.com/staging" }
output "static_url" { value = "https://app-staging-static.s3.us-west-2.amazonaws.com" }
output "static_bucket" { value = "app-staging-static" }
"""


def arc2tf(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ARC2TF, *args], cwd=cwd, capture_output=True, text=True,
                          env=env if env is not None else os.environ.copy())


def terraform(root: Path, *args: str) -> None:
    subprocess.run([TERRAFORM, *args, "-input=false", "-no-color"], cwd=root, check=True,
                   capture_output=True, env={**os.environ, "TF_IN_AUTOMATION": "1"})


def make_root(project: Path, env: str = "staging") -> Path:
    root = project / "terraform" / env
    root.mkdir(parents=True)
    (root / "main.tf").write_text(OUTPUTS.replace("staging", env))
    return root


@needs_terraform
def test_urls_prints_the_applied_outputs(tmp_path):
    root = make_root(tmp_path)
    terraform(root, "init")
    terraform(root, "apply", "-auto-approve")

    result = arc2tf("urls", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "http   https://h1.execute-api.us-west-2.amazonaws.com\n"
        "ws     wss://w1.execute-api.us-west-2.amazonaws.com/staging\n"
        "static https://app-staging-static.s3.us-west-2.amazonaws.com\n"
    )
    as_json = arc2tf("urls", str(tmp_path), "--json", cwd=tmp_path.parent)
    assert json.loads(as_json.stdout) == {
        "http": "https://h1.execute-api.us-west-2.amazonaws.com",
        "ws": "wss://w1.execute-api.us-west-2.amazonaws.com/staging",
        "static": "https://app-staging-static.s3.us-west-2.amazonaws.com",
    }


@needs_terraform
def test_urls_reads_the_environment_asked_for(tmp_path):
    out = tmp_path / "infra"
    for env in ("staging", "production"):
        root = make_root(tmp_path, env)
        terraform(root, "init")
        terraform(root, "apply", "-auto-approve")
    shutil.move(tmp_path / "terraform", out)
    result = arc2tf("urls", "--out", "infra", "--env", "production", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wss://w1.execute-api.us-west-2.amazonaws.com/production" in result.stdout


@needs_terraform
def test_urls_before_apply_says_so(tmp_path):
    root = make_root(tmp_path)
    terraform(root, "init")
    result = arc2tf("urls", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "staging is not applied yet: terraform/staging has no URL outputs" in result.stderr
    assert "cd terraform/staging && terraform init && terraform apply" in result.stderr
    assert "Traceback" not in result.stderr


def test_urls_without_a_build_says_so(tmp_path):
    result = arc2tf("urls", cwd=tmp_path)
    assert result.returncode == 1
    assert "no Terraform root at terraform/staging" in result.stderr
    assert "arc2tf build" in result.stderr


def test_urls_without_terraform_on_path_says_so(tmp_path):
    make_root(tmp_path)
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    result = arc2tf("urls", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "terraform is not on PATH" in result.stderr


def test_urls_bad_env_is_bad_usage(tmp_path):
    result = arc2tf("urls", "--env", "testing", cwd=tmp_path)
    assert result.returncode == 2
    assert "Invalid value for '--env'" in result.stderr


@pytest.mark.terraform
@pytest.mark.deploy
def test_urls_after_applying_the_echo_app_to_moto(moto_deploy, tmp_path):
    """The real thing: the echo app built, its staging root applied to the (extended) moto
    server by tests/moto_server.py, then `arc2tf urls` on that applied root."""
    project = tmp_path / "echo"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "echo", project,
                    ignore=shutil.ignore_patterns("terraform"))
    build = arc2tf("build", "-q", cwd=project)
    assert build.returncode == 0, build.stderr
    # WebSocket stage logging needs the account's API Gateway role (README quick start).
    root = moto_deploy.sync(project, "terraform/staging", {"create_api_gateway_account_role": True})
    moto_deploy.apply()
    applied = moto_deploy.outputs()

    # The harness's Terraform environment (offline CLI config, data dir): what a user's shell has.
    result = subprocess.run([*ARC2TF, "urls", "--out", str(root.parent), "--json"], cwd=tmp_path,
                            capture_output=True, text=True, env=moto_deploy.tf.env)
    assert result.returncode == 0, result.stderr
    urls = json.loads(result.stdout)
    assert urls == {"http": applied["http_url"], "ws": applied["ws_url"], "static": applied["static_url"]}
    assert urls["http"].startswith("https://") and urls["ws"].startswith("wss://")
    assert urls["ws"].endswith("/staging")
