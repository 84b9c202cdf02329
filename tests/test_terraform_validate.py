"""Terraform itself accepts what arc2tf emits: fmt-canonical, and valid against the real provider.

Runs the real `terraform` with the real hashicorp/aws provider from an offline
filesystem mirror (tests/tfharness.py); skips with the reason when either is
missing. `init -backend=false` + `validate` need no bundles or static files:
file hashes are computed at plan time.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arc2tf.emit import EmitOptions, render_terraform
from arc2tf.ir import App
from tests.ir_fixtures import echo_app, large_app, synthetic_apps
from tests.regen_golden import GOLDEN_DIR
from tests.tfharness import Terraform, terraform_or_skip

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def tf(tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    return terraform_or_skip(tmp_path_factory.mktemp("terraform"))


def write_tree(app: App, out: Path, options: EmitOptions | None = None) -> Path:
    for rel, text in render_terraform(app, options or EmitOptions()).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return out


def test_golden_files_are_terraform_fmt_canonical(tf: Terraform) -> None:
    tf.fmt_check(GOLDEN_DIR)


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_echo_roots_validate_with_the_real_provider(tf: Terraform, tmp_path: Path, environment: str) -> None:
    out = write_tree(echo_app(), tmp_path / "terraform", EmitOptions(backend="s3"))
    tf.fmt_check(out)
    tf.init(out / environment)
    result = tf.validate(out / environment)
    assert result["error_count"] == 0


def test_asap_fingerprint_python_and_env_disabled_apps_validate(tf: Terraform, tmp_path: Path) -> None:
    apps = synthetic_apps()
    for name in ("asap", "python-env", "env-disabled"):
        out = write_tree(apps[name], tmp_path / name)
        tf.init(out / "production")
        tf.validate(out / "production")


def test_1000_routes_and_20_websocket_actions_validate(tf: Terraform, tmp_path: Path) -> None:
    out = write_tree(large_app(routes=1000, actions=20), tmp_path / "terraform")
    tf.fmt_check(out)
    tf.init(out / "staging")
    tf.validate(out / "staging")


NASTY_STRINGS = [
    "${var.secret}", "$${already}", "%{ if true }x%{ endif }", "%%{", "$", "%", "{", "}", "#", "//", "/*",
    'say "hi"', "back\\slash", "trailing\\", "line\nbreak", "tab\there", "cr\rlf", "nul\x00", "bell\x07",
    "ünïcödé ✓", "emoji 🎉", "<<EOF", "a = b", "", " ", "~>", "\\${x}", "$${x}", "${", "%{",
]


def test_hcl_strings_round_trip_through_terraform(tf: Terraform, tmp_path: Path) -> None:
    """What hcl.literal writes is read back by Terraform as exactly the Python string, and fmt keeps it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from arc2tf import hcl

    samples = list(NASTY_STRINGS)

    @settings(max_examples=40, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20))
    def collect(text: str) -> None:
        samples.append(text)

    collect()
    body = "".join(f'output "s{i}" {{\n  value = {hcl.literal(s)}\n}}\n\n' for i, s in enumerate(samples))
    body += f"output \"map\" {{\n  value = {hcl.literal({s: s for s in NASTY_STRINGS if s})}\n}}\n"
    root = tmp_path / "strings"
    root.mkdir()
    (root / "main.tf").write_text(hcl.canonical(body), encoding="utf-8")
    tf.fmt_check(root)
    tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], root)
    outputs = json.loads(tf.run(["output", "-json"], root).stdout)
    for i, s in enumerate(samples):
        assert outputs[f"s{i}"]["value"] == s, repr(s)
    assert outputs["map"]["value"] == {s: s for s in NASTY_STRINGS if s}


def test_env_values_file_is_read_literally_and_required(tf: Terraform, tmp_path: Path) -> None:
    """Terraform reads arc2tf-env.auto.tfvars.json by itself, takes every value literally (JSON
    variable files are not templates), and refuses to plan a root without it (no default)."""
    from arc2tf.emit import ENV_VALUES_FILE, env_values_json

    values = {f"K{i}": s for i, s in enumerate(NASTY_STRINGS)}
    files = render_terraform(echo_app())
    root = tmp_path / "root"
    root.mkdir()
    (root / "variables.tf").write_text(files["staging/variables.tf"], encoding="utf-8")
    (root / "outputs.tf").write_text('output "values" {\n  value = var.arc_environment_variables\n}\n')
    (root / ENV_VALUES_FILE).write_text(env_values_json(values), encoding="utf-8")
    tf.run(["apply", "-auto-approve", "-input=false", "-no-color"], root)
    outputs = json.loads(tf.run(["output", "-json"], root).stdout)
    assert outputs["values"]["value"] == values
    (root / ENV_VALUES_FILE).unlink()
    missing = r"(?s)No value for required variable.*arc_environment_variables"
    with pytest.raises(AssertionError, match=missing):
        tf.run(["plan", "-input=false", "-no-color"], root)
