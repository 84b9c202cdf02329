"""The CLI through its real entry point (`python -m arc2tf`, the console script's code path):
`build` / `build --check`, ownership of the out dir, failed builds, conventions.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ECHO = REPO / "examples" / "echo"
ARC2TF = [sys.executable, "-m", "arc2tf"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
COMMANDS = ("build", "bundle", "init", "inspect", "urls")


def arc2tf(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARC2TF_TEST") and k != "NO_COLOR"}
    return subprocess.run([*ARC2TF, *args], cwd=cwd, capture_output=True, text=True, env={**base, **env})


def in_terminal(*args: str, cwd: Path, **env: str) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    base = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    master, slave = pty.openpty()
    proc = subprocess.Popen([*ARC2TF, *args], cwd=cwd, stdout=slave, stderr=slave, env={**base, **env})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(), b"".join(chunks).decode()


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def owned(out: Path) -> set[str]:
    return set(json.loads((out / ".arc2tf-files.json").read_text())["files"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    dest = tmp_path / "echo"
    shutil.copytree(ECHO, dest, ignore=shutil.ignore_patterns("terraform"))
    return dest


@pytest.fixture
def built(project: Path) -> Path:
    """The echo app with its Terraform written (no bundles), checked for success."""
    result = arc2tf("build", "--no-bundle", cwd=project)
    assert result.returncode == 0, result.stderr
    return project


# --- conventions ----------------------------------------------------------------------------


def test_version(tmp_path):
    from arc2tf import __version__

    result = arc2tf("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == f"arc2tf, version {__version__}\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example_and_exit_codes(tmp_path, command):
    result = arc2tf(command, "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "Example:\n" in result.stdout and f"arc2tf {command}" in result.stdout
    assert "Exit codes:" in result.stdout and "2  bad usage" in result.stdout


@pytest.mark.parametrize("args", [
    ("build", "--bogus"),
    ("frobnicate",),
    ("build", "-q", "-v"),
    ("build", "--jobs", "0"),
    ("build", "--backend", "gcs"),
    ("build", "does-not-exist"),
    ("urls", "--env", "qa"),
])
def test_bad_usage_exits_2_without_traceback(tmp_path, args):
    result = arc2tf(*args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Error:" in result.stderr and "Traceback" not in result.stderr


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path):
    code, text = in_terminal("urls", cwd=tmp_path)
    assert code == 1 and ANSI.search(text), text  # a terminal: the error label is coloured
    code, text = in_terminal("urls", cwd=tmp_path, NO_COLOR="1")
    assert code == 1 and "error: no Terraform root" in text and not ANSI.search(text)
    piped = arc2tf("urls", cwd=tmp_path)
    assert piped.returncode == 1 and not ANSI.search(piped.stderr)


def test_drift_diff_is_coloured_on_a_terminal_only_without_no_color(built):
    main_tf = built / "terraform" / "staging" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "# hand edit\n")
    code, text = in_terminal("build", "--check", cwd=built)
    assert code == 1 and "\x1b[31m-# hand edit" in text
    code, text = in_terminal("build", "--check", cwd=built, NO_COLOR="1")
    assert code == 1 and "-# hand edit" in text and not ANSI.search(text)


# --- build and --check ----------------------------------------------------------------------


def test_build_writes_terraform_and_says_what_next(built):
    out = built / "terraform"
    for root in ("staging", "production"):
        assert (out / root / "main.tf").is_file()
    assert any((out / "modules").rglob("*.tf"))
    generated = {rel for rel in snapshot(out) if rel != ".arc2tf-files.json"}
    from arc2tf import emit

    assert set(emit.LOCAL_FILES) <= generated
    assert owned(out) == generated - set(emit.CREATE_ONCE_FILES)
    again = arc2tf("build", "--no-bundle", cwd=built)
    assert again.returncode == 0
    n = len(owned(out))
    assert f"terraform: 0 written, {n} unchanged, 0 removed\n" in again.stdout
    assert "next: cd terraform/staging && terraform init && terraform apply\n" in again.stdout


def test_build_output_is_identical_across_hash_seeds(project, tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        result = arc2tf("build", "--no-bundle", "--out", str(out), cwd=project, PYTHONHASHSEED=seed)
        assert result.returncode == 0, result.stderr
        outs.append(snapshot(out))
    assert outs[0] == outs[1]


def test_check_passes_on_fresh_output_and_writes_nothing(built):
    before = snapshot(built)
    result = arc2tf("build", "--check", cwd=built)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("terraform: up to date (")
    assert snapshot(built) == before
    assert arc2tf("build", "--check", "-q", cwd=built).stdout == ""


def test_check_fails_with_a_diff_and_summary_on_drift(built):
    out = built / "terraform"
    main_tf = out / "staging" / "main.tf"
    main_tf.write_text(main_tf.read_text() + "# hand edit\n")
    module_file = sorted((out / "modules").rglob("*.tf"))[0]
    module_rel = module_file.relative_to(out).as_posix()
    module_file.unlink()
    stale = "modules/old.tf"  # pretend an older build wrote it
    (out / stale).write_text("# generated by arc2tf\n")
    doc = json.loads((out / ".arc2tf-files.json").read_text())
    import hashlib
    doc["files"][stale] = hashlib.sha256(b"# generated by arc2tf\n").hexdigest()
    (out / ".arc2tf-files.json").write_text(json.dumps(doc))
    before = snapshot(built)

    result = arc2tf("build", "--check", cwd=built)

    assert result.returncode == 1
    assert "--- a/terraform/staging/main.tf\n+++ b/terraform/staging/main.tf\n" in result.stdout
    assert "-# hand edit\n" in result.stdout
    assert f"--- /dev/null\n+++ b/terraform/{module_rel}\n" in result.stdout
    assert "--- a/terraform/modules/old.tf\n+++ /dev/null\n" in result.stdout
    assert "terraform: drift: 1 added, 1 changed, 1 removed" in result.stderr
    assert snapshot(built) == before


def test_check_after_a_manifest_change_fails_then_build_fixes_it(built):
    (built / "app.arc").write_text((built / "app.arc").read_text().replace("get /\n", "get /\nget /about\n"))
    result = arc2tf("build", "--check", cwd=built)
    assert result.returncode == 1 and "GET /about" in result.stdout
    assert arc2tf("build", "--no-bundle", "-q", cwd=built).returncode == 0
    assert arc2tf("build", "--check", cwd=built).returncode == 0


def test_backend_s3_round_trip(built):
    result = arc2tf("build", "--no-bundle", "--backend", "s3", "-v", cwd=built)
    assert result.returncode == 0, result.stderr
    assert "  wrote     terraform/staging/main.tf\n" in result.stdout
    for env in ("staging", "production"):
        assert 'backend "s3" {}' in (built / "terraform" / env / "main.tf").read_text()
    assert arc2tf("build", "--check", "--backend", "s3", cwd=built).returncode == 0
    assert arc2tf("build", "--check", cwd=built).returncode == 1  # the same flags, or it is drift


def test_check_ignores_bundles_and_create_once_files(built):
    from arc2tf import emit

    out = built / "terraform"
    (out / "bundles").mkdir(exist_ok=True)
    (out / "bundles" / "stale.zip").write_bytes(b"not a zip")
    for rel in emit.CREATE_ONCE_FILES:
        if (out / rel).exists():
            (out / rel).write_text((out / rel).read_text() + "\n# my settings\n")
    assert arc2tf("build", "--check", cwd=built).returncode == 0


PREFS = """@env
staging
  API_KEY st-secret-value
  GREETING "hello ${world}"
production
  API_KEY prod-secret-value
"""


def test_env_values_stay_out_of_committed_files_and_check_passes_without_prefs(project):
    """prefs.arc is gitignored in real projects: its values go to a gitignored file per root, the
    committed Terraform (and ownership manifest) is the same without it, and --check passes."""
    from arc2tf import emit

    (project / "prefs.arc").write_text(PREFS)
    assert arc2tf("build", "--no-bundle", "-q", cwd=project).returncode == 0
    out = project / "terraform"
    with_prefs = snapshot(out)
    for env, key in (("staging", "st-secret-value"), ("production", "prod-secret-value")):
        values = json.loads((out / env / emit.ENV_VALUES_FILE).read_text())
        assert values["arc_environment_variables"]["API_KEY"] == key
        assert (out / env / ".gitignore").read_text().splitlines()[-1] == emit.ENV_VALUES_FILE
    assert json.loads((out / "staging" / emit.ENV_VALUES_FILE).read_text()) == {
        "arc_environment_variables": {"API_KEY": "st-secret-value", "GREETING": "hello ${world}"}}
    for rel, data in with_prefs.items():
        if rel not in emit.LOCAL_FILES:
            assert b"secret-value" not in data, rel
    doc = json.loads((out / ".arc2tf-files.json").read_text())
    assert set(emit.LOCAL_FILES) <= set(doc["files"])  # owned, but no hash of the values recorded

    (project / "prefs.arc").unlink()  # a clean CI clone
    for rel in emit.LOCAL_FILES:
        (out / rel).unlink()
    check = arc2tf("build", "--check", cwd=project)
    assert check.returncode == 0, check.stdout + check.stderr
    assert not any((out / rel).exists() for rel in emit.LOCAL_FILES)  # --check wrote nothing

    assert arc2tf("build", "--no-bundle", "-q", cwd=project).returncode == 0
    without = snapshot(out)
    assert {r: d for r, d in without.items() if r not in emit.LOCAL_FILES} == \
        {r: d for r, d in with_prefs.items() if r not in emit.LOCAL_FILES}
    for rel in emit.LOCAL_FILES:
        assert json.loads(without[rel]) == {"arc_environment_variables": {}}


def test_check_ignores_the_env_values_file_however_it_differs(built):
    from arc2tf import emit

    out = built / "terraform"
    (out / emit.LOCAL_FILES[0]).write_text('{"arc_environment_variables": {"X": "1"}}\n')
    (out / emit.LOCAL_FILES[1]).unlink()
    assert arc2tf("build", "--check", cwd=built).returncode == 0
    gitignore = out / "staging" / ".gitignore"
    gitignore.write_text("")
    result = arc2tf("build", "--check", cwd=built)
    assert result.returncode == 1 and "--- a/terraform/staging/.gitignore" in result.stdout


def test_build_warns_when_tf_var_would_be_overridden(built):
    result = arc2tf("build", "--no-bundle", cwd=built, TF_VAR_arc_environment_variables='{A="1"}')
    assert result.returncode == 0
    assert "warning: TF_VAR_arc_environment_variables is set" in result.stderr
    assert "arc2tf bundle" in result.stderr
    assert "warning" not in arc2tf("build", "--no-bundle", cwd=built).stderr


def test_check_help_names_what_is_not_compared(tmp_path):
    help_text = " ".join(arc2tf("build", "--help", cwd=tmp_path).stdout.split())
    for name in ("bundles", "terraform.tfvars", "prefs.arc"):
        assert name in help_text
    assert "arc2tf-env.auto.tfvars.json" in help_text.replace("- ", "-")


def test_check_on_a_missing_out_dir_is_drift(project):
    result = arc2tf("build", "--check", "--out", "nowhere", cwd=project)
    assert result.returncode == 1 and "--- /dev/null" in result.stdout
    assert not (project / "nowhere").exists()


def test_rebuild_keeps_user_files_and_removes_stale_generated_ones(built):
    out = built / "terraform"
    user_files = {
        "staging/backend.tf": 'terraform {\n  backend "s3" {}\n}\n',
        "production/extra.tf": "# my extra resources\n",
        "staging/.terraform/terraform.tfstate": "{}",
        "bundles/get-index.zip": "zip",
        "README.md": "# our infra\n",
    }
    for rel, text in user_files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    before = owned(out)

    # Without @ws the app needs fewer files: the ws ones must go, everything else stays.
    (built / "app.arc").write_text("@app\nwsproj\n\n@http\nget /\n\n@static\n")
    result = arc2tf("build", "--no-bundle", "-v", cwd=built)
    assert result.returncode == 0, result.stderr

    after = owned(out)
    stale = before - after
    assert stale, "dropping @ws should drop some generated file"
    for rel in stale:
        assert not (out / rel).exists(), rel
        assert f"  removed   terraform/{rel}\n" in result.stdout
    for rel, text in user_files.items():
        assert (out / rel).read_text() == text, rel
    assert f"{len(stale)} removed" in result.stdout


def test_build_without_a_manifest_points_to_init(tmp_path):
    result = arc2tf("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "error: no Architect manifest in ." in result.stderr and "arc2tf init" in result.stderr
    assert not list(tmp_path.iterdir())


def test_build_refuses_to_overwrite_a_users_file(project):
    (project / "terraform" / "staging").mkdir(parents=True)
    (project / "terraform" / "staging" / "main.tf").write_text("# mine\n")
    result = arc2tf("build", "--no-bundle", cwd=project)
    assert result.returncode == 1
    assert "terraform/staging/main.tf: error: this file was not written by arc2tf" in result.stderr
    assert (project / "terraform" / "staging" / "main.tf").read_text() == "# mine\n"
    assert not (project / "terraform" / "production").exists()


# --- failed and interrupted builds -----------------------------------------------------------


def test_bad_manifest_leaves_previous_output_byte_identical(built):
    (built / "terraform" / "staging" / "extra.tf").write_text("# mine\n")
    before = snapshot(built / "terraform")
    (built / "app.arc").write_text("@app\nwsproj\n\n@http\nfetch /\nget /ok\n")
    result = arc2tf("build", cwd=built)
    assert result.returncode == 1
    assert result.stderr.startswith("app.arc:5:1: error: ")
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert snapshot(built / "terraform") == before


def _crash_points(project: Path) -> dict[str, int]:
    """File operations of the next build (see output.py): it stages each added or changed
    file plus the ownership manifest, then renames those and removes stale files."""
    check = arc2tf("build", "--check", cwd=project)
    added, changed, removed = map(int, re.search(
        r"drift: (\d+) added, (\d+) changed, (\d+) removed", check.stderr).groups())
    staged = added + changed + 1
    return {"first staged write": 1, "last staged write": staged, "first rename": staged + 1,
            "last operation": 2 * staged + removed}


@pytest.mark.parametrize("point", [
    "first staged write", "last staged write", "first rename", "last operation",
])
def test_disk_full_mid_write_leaves_previous_output_byte_identical(built, point):
    """ARC2TF_TEST_CRASH_AFTER (see arc2tf/output.py) fails the N-th file operation with ENOSPC,
    whether it lands while staging the new files or while moving them into place."""
    out = built / "terraform"
    (out / "staging" / "extra.tf").write_text("# mine\n")
    before = snapshot(out)
    (built / "app.arc").write_text((built / "app.arc").read_text() + "\n@aws\nmemory 256\nregion eu-west-1\n")
    crash_after = _crash_points(built)[point]
    result = arc2tf("build", "--no-bundle", cwd=built, ARC2TF_TEST_CRASH_AFTER=str(crash_after))
    assert result.returncode == 1
    assert "error: No space left on device" in result.stderr
    assert "hint: free some disk space" in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before
    # one operation later than the last, the same build goes through
    if point == "last operation":
        result = arc2tf("build", "--no-bundle", cwd=built, ARC2TF_TEST_CRASH_AFTER=str(crash_after + 1))
        assert result.returncode == 0, result.stderr
        assert arc2tf("build", "--check", cwd=built).returncode == 0


def test_os_errors_are_one_clear_line_not_a_traceback(project):
    (project / "afile").write_text("")
    result = arc2tf("build", "--no-bundle", "--out", "afile/terraform", cwd=project)
    assert result.returncode == 1
    assert result.stderr == "error: Not a directory: afile/terraform\n"


def test_killed_build_is_rolled_back_by_the_next_run(built):
    out = built / "terraform"
    before = snapshot(out)
    original = (built / "app.arc").read_text()
    (built / "app.arc").write_text(original + "\n@aws\nmemory 256\nregion eu-west-1\n")
    crash_after = str(_crash_points(built)["first rename"] + 1)
    killed = arc2tf("build", "--no-bundle", cwd=built, ARC2TF_TEST_CRASH_AFTER=crash_after,
                    ARC2TF_TEST_CRASH_MODE="kill")
    assert killed.returncode == 70
    assert snapshot(out) != before  # half-committed, as a SIGKILL would leave it

    (built / "app.arc").write_text(original)
    check = arc2tf("build", "--check", cwd=built)
    assert check.returncode == 0, check.stdout
    assert "rolled back an interrupted build in terraform" in check.stderr
    assert snapshot(out) == before


def test_sigterm_mid_commit_rolls_back(built):
    out = built / "terraform"
    before = snapshot(out)
    (built / "app.arc").write_text((built / "app.arc").read_text() + "\n@aws\nmemory 256\n")
    crash_after = str(_crash_points(built)["first rename"] + 1)
    result = arc2tf("build", "--no-bundle", cwd=built, ARC2TF_TEST_CRASH_AFTER=crash_after,
                    ARC2TF_TEST_CRASH_MODE="sigterm")
    assert result.returncode == 128 + 15
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before
    assert not list(out.glob(".arc2tf-tmp-*"))


def test_ctrl_c_mid_commit_rolls_back_and_exits_130(built):
    out = built / "terraform"
    before = snapshot(out)
    (built / "app.arc").write_text((built / "app.arc").read_text() + "\n@aws\nmemory 256\n")
    crash_after = str(_crash_points(built)["first rename"] + 1)
    result = arc2tf("build", "--no-bundle", cwd=built, ARC2TF_TEST_CRASH_AFTER=crash_after,
                    ARC2TF_TEST_CRASH_MODE="sigint")
    assert result.returncode == 130
    assert result.stderr.endswith("error: interrupted; no file was left half-written, run again to finish\n")
    assert "Traceback" not in result.stderr and "Aborted!" not in result.stderr
    assert snapshot(out) == before
    assert not list(out.glob(".arc2tf-tmp-*"))


def test_build_with_bundles_then_reuses_them(project):
    result = arc2tf("build", "--jobs", "2", cwd=project)
    assert result.returncode == 0, result.stderr
    from arc2tf.normalize import load_app

    names = sorted(fn.name for fn in load_app(project).functions)
    assert sorted(p.stem for p in (project / "terraform" / "bundles").glob("*.zip")) == names
    assert f"terraform/bundles: {len(names)} bundled, 0 reused" in result.stdout
    again = arc2tf("build", cwd=project)
    assert f"terraform/bundles: 0 bundled, {len(names)} reused" in again.stdout
    assert arc2tf("build", "--check", cwd=project).returncode == 0


def test_bundle_command_writes_only_the_zips(project):
    result = arc2tf("bundle", "--out", "infra", "-q", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    out = project / "infra"
    assert sorted(p.name for p in out.iterdir()) == ["bundles"]
    assert (out / "bundles" / "get-index.zip").is_file()


def test_init_then_build_then_check(tmp_path):
    assert arc2tf("init", "fresh", cwd=tmp_path).returncode == 0
    built = arc2tf("build", "fresh", "--no-bundle", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "next: cd fresh/terraform/staging && terraform init && terraform apply" in built.stdout
    assert arc2tf("build", "fresh", "--check", cwd=tmp_path).returncode == 0
