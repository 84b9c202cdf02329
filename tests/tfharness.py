"""Run Terraform offline in tests: the real binary and the real hashicorp/aws provider.

Nothing here names a path of a particular machine. At run time it finds

* `terraform`: `$TERRAFORM`, else `PATH`;
* a filesystem mirror holding `registry.terraform.io/hashicorp/aws/...`:
  `$TF_PLUGIN_MIRROR`, Terraform's implied plugin dirs, then a bounded `find /`
  that skips `.terraform/` caches;

and writes a CLI config whose only provider source is that mirror, so `init`
never touches the network. One plugin cache per test session makes every
`init` after the first a symlink instead of a 600 MB copy.

Use it through `terraform_or_skip(tmp_dir)`, which skips the test with the
reason when either piece is missing:

    tf = terraform_or_skip(tmp_path_factory.mktemp("tf"))
    tf.fmt_check(out_dir)           # terraform fmt -check -recursive
    tf.init(root)                   # terraform init -backend=false
    tf.validate(root)               # terraform validate -json
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_IMPLIED_PLUGIN_DIRS = (
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)
_SKIP_IN_FIND = ("/proc", "/sys", "/dev", "/run", "/tmp")


@cache
def find_terraform() -> str | None:
    return os.environ.get("TERRAFORM") or shutil.which("terraform")


def _has_aws(mirror: Path) -> bool:
    return (mirror / "registry.terraform.io" / "hashicorp" / "aws").is_dir()


@cache
def find_provider_mirror() -> Path | None:
    """The directory that holds `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/`."""
    env = os.environ.get("TF_PLUGIN_MIRROR")
    candidates = [Path(env)] if env else []
    candidates += [Path(os.path.expanduser(d)) for d in _IMPLIED_PLUGIN_DIRS]
    for candidate in candidates:
        if _has_aws(candidate):
            return candidate
    prune: list[str] = []
    for path in _SKIP_IN_FIND:
        prune += ["-path", path, "-o"]
    command = ["find", "/", "-maxdepth", "8", "(", *prune, "-name", ".terraform", ")", "-prune", "-o",
               "-path", "*/registry.terraform.io/hashicorp/aws/*", "-name", "terraform-provider-aws_*",
               "-print"]
    try:
        found = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    hits = sorted(line.split("/registry.terraform.io/")[0] for line in found.splitlines())
    return Path(hits[0]) if hits else None


class TerraformFailed(AssertionError):
    """A terraform command exited non-zero; the message holds its output."""


@dataclass(frozen=True)
class Terraform:
    binary: str
    mirror: Path
    scratch: Path  # CLI config and plugin cache live here

    @property
    def env(self) -> dict[str, str]:
        config = self.scratch / "terraformrc"
        if not config.exists():
            config.write_text(
                "provider_installation {\n"
                f"  filesystem_mirror {{\n    path = {json.dumps(str(self.mirror))}\n  }}\n"
                "}\n"
                f"plugin_cache_dir = {json.dumps(str(self.scratch / 'plugin-cache'))}\n"
            )
            (self.scratch / "plugin-cache").mkdir(exist_ok=True)
        env = dict(os.environ)
        env.update(TF_CLI_CONFIG_FILE=str(config), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
                   TF_INPUT="0")
        env.pop("TF_PLUGIN_CACHE_DIR", None)
        return env

    def run(self, args: list[str], cwd: Path, *, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """Run `terraform ARGS` in `cwd`; raises TerraformFailed on a non-zero exit."""
        done = subprocess.run([self.binary, *args], cwd=cwd, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)
        if done.returncode != 0:
            raise TerraformFailed(f"terraform {' '.join(args)} in {cwd} exited {done.returncode}:\n"
                                  f"{done.stdout}\n{done.stderr}")
        return done

    def fmt_check(self, directory: Path) -> None:
        self.run(["fmt", "-check", "-recursive", "-diff"], directory)

    def init(self, root: Path) -> None:
        self.run(["init", "-backend=false", "-input=false", "-no-color"], root)

    def validate(self, root: Path) -> dict:
        """`terraform validate -json` of an initialised root; raises unless valid."""
        done = subprocess.run([self.binary, "validate", "-json", "-no-color"], cwd=root, env=self.env,
                              capture_output=True, text=True, timeout=600, check=False)
        result = json.loads(done.stdout or "{}")
        if done.returncode != 0 or not result.get("valid"):
            report = json.dumps(result, indent=2)
            raise TerraformFailed(f"terraform validate in {root}:\n{report}\n{done.stderr}")
        return result


def terraform_or_skip(scratch: Path) -> Terraform:
    """A `Terraform` using `scratch` for its config and cache; skips the test when Terraform can't run."""
    import pytest

    binary = find_terraform()
    if binary is None:
        pytest.skip("terraform is not on PATH (set TERRAFORM to its path)")
    mirror = find_provider_mirror()
    if mirror is None:
        pytest.skip("no hashicorp/aws provider filesystem mirror found (set TF_PLUGIN_MIRROR)")
    scratch.mkdir(parents=True, exist_ok=True)
    return Terraform(binary, mirror, scratch)


# Module-level helpers with the names the brief asked for, for one-off use.
def tf_init(tf: Terraform, root: Path) -> None:
    tf.init(root)


def tf_validate(tf: Terraform, root: Path) -> dict:
    return tf.validate(root)


def tf_fmt_check(tf: Terraform, directory: Path) -> None:
    tf.fmt_check(directory)
