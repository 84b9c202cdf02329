"""The `arc2tf` command line.

Exit codes: 0 ok, 1 bad input (or `build --check` found drift), 2 bad usage,
130 interrupted (Ctrl-C), 143 terminated.
Results go to stdout, errors and progress to stderr. A traceback is a bug:
every error the user can cause is an `ArcErrors` and is printed compiler-style;
an OSError from the disk (full, permission denied) is one clear line.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from arc2tf import __version__
from arc2tf.errors import ArcErrors
from arc2tf.ir import DEPLOY_ENVIRONMENTS
from arc2tf.report import display_path, print_errors, print_warnings, use_colour
from arc2tf.scaffold import RUNTIMES

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

EXIT_CODES = """\b
Exit codes:
  0  ok
  1  bad input (manifest errors, I/O errors), or `build --check` found drift
  2  bad usage (unknown option, missing argument)
  130  interrupted (Ctrl-C); 143 terminated (SIGTERM)
"""

_OS_ERROR_HINTS = {
    errno.ENOSPC: "free some disk space and run again; the previous output is unchanged",
    errno.EACCES: "check the permissions of that path",
    errno.EPERM: "check the permissions of that path",
    errno.EROFS: "the filesystem is read-only; choose another --out",
}


class _Cli(click.Group):
    """Turns every error a user can cause into a message and an exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        _exit_on_sigterm()
        try:
            return super().invoke(ctx)
        except ArcErrors as exc:
            print_errors(exc.errors)
            sys.exit(1)
        except OSError as exc:
            where = f": {display_path(exc.filename)}" if exc.filename else ""
            reason = exc.strerror or str(exc)
            _error(f"{reason}{where}", _OS_ERROR_HINTS.get(exc.errno or 0))
            sys.exit(1)
        except KeyboardInterrupt:
            # By now a Terraform write has rolled back, and each zip is renamed into place whole.
            # 130 is the shell's code for SIGINT: a script can tell "stopped" from "bad input".
            _error("interrupted; no file was left half-written, run again to finish")
            sys.exit(130)


def _exit_on_sigterm() -> None:
    """SIGTERM (a cancelled CI job, `kill`) unwinds like Ctrl-C does, so a build in progress
    rolls its output back instead of dying between two renames."""
    import signal

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not the main thread: leave the default
        signal.signal(signal.SIGTERM, stop)


def _error(message: str, hint: str | None = None) -> None:
    label = click.style("error", fg="red", bold=True) if use_colour(sys.stderr) else "error"
    click.echo(f"{label}: {message}", err=True)
    if hint:
        click.echo(f"  hint: {hint}", err=True)


def _note(message: str) -> None:
    click.echo(message, err=True)


def _quiet_verbose(quiet: bool, verbose: bool) -> None:
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose exclude each other")


_project_arg = click.argument(
    "project_dir", metavar="[DIR]", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
_out_opt = click.option(
    "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Output dir.  [default: DIR/terraform]",
)
_manifest_opt = click.option(
    "--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Read this manifest file."
)
_quiet_opt = click.option("-q", "--quiet", is_flag=True, help="Print only errors and warnings.")
_verbose_opt = click.option("-v", "--verbose", is_flag=True, help="List every file.")
_jobs_opt = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Functions bundled in parallel.  [default: CPU count]"
)


@click.group(cls=_Cli, context_settings=CONTEXT_SETTINGS, epilog=EXIT_CODES)
@click.version_option(__version__, prog_name="arc2tf")
def main() -> None:
    """Compile an Architect (arc.codes) app into Terraform for AWS.

    \b
    Example:
      arc2tf init myapp
      arc2tf build myapp
      cd myapp/terraform/staging && terraform init && terraform apply
      arc2tf urls myapp
    """


@main.command(epilog=EXIT_CODES)
@click.argument("project_dir", metavar="[DIR]", default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Read this manifest file.")
@click.option("--env", "environment", type=click.Choice(["testing", "staging", "production"]),
              help="Show only this environment's variables.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the resolved app as JSON (the conformance shape).")
def inspect(project_dir: Path, manifest: Path | None, environment: str | None, as_json: bool) -> None:
    """Show the app as arc2tf resolves it: routes, functions, src dirs, settings.

    \b
    Example:
      arc2tf inspect examples/echo
      arc2tf inspect examples/echo --json
    """
    from arc2tf.inspect_view import render_json, render_table
    from arc2tf.normalize import load_app

    try:
        app = load_app(project_dir, manifest=manifest)
    except ArcErrors as exc:
        if as_json:
            click.echo(json.dumps(render_json(None, exc.errors), indent=2))
        print_errors(exc.errors)
        sys.exit(1)
    print_warnings(app.warnings)
    if as_json:
        click.echo(json.dumps(render_json(app, ()), indent=2))
    else:
        click.echo(render_table(app, environment), nl=False)


@main.command(epilog=EXIT_CODES)
@_project_arg
@_out_opt
@_manifest_opt
@click.option("--no-bundle", is_flag=True, help="Write the Terraform only; skip the handler zips.")
@click.option(
    "--check", is_flag=True,
    help="Write nothing: compare the Terraform arc2tf would write with the out dir; exit 1 with a diff "
    "when they differ. Not compared: bundles, create-once files (terraform.tfvars) and "
    "arc2tf-env.auto.tfvars.json (your variables' values from prefs.arc / .env, kept out of git), "
    "so a clean clone without prefs.arc passes.",
)
@click.option("--backend", type=click.Choice(["s3"]),
              help='Add a partial backend "s3" block to each root (fill it with -backend-config).')
@_jobs_opt
@_quiet_opt
@_verbose_opt
def build(project_dir: Path, out_dir: Path | None, manifest: Path | None, no_bundle: bool, check: bool,
          backend: str | None, jobs: int | None, quiet: bool, verbose: bool) -> None:
    """Write the app's Terraform (modules/, staging/, production/) and handler zips (bundles/).

    Only files arc2tf wrote are ever replaced or removed (they are listed in
    OUT/.arc2tf-files.json); your own files next to them are left alone. The
    output is written atomically: a failed or interrupted build leaves the
    previous output as it was.

    \b
    Example:
      arc2tf build                       # ./app.arc -> ./terraform
      arc2tf build examples/echo --out infra/echo
      arc2tf build --check               # CI drift gate: exit 1 and a diff on drift
    """
    from arc2tf import emit
    from arc2tf.output import check_tree, unchecked, write_tree

    _quiet_verbose(quiet, verbose)
    out_dir = out_dir if out_dir is not None else project_dir / "terraform"
    app = _load(project_dir, manifest)
    files = _render(app, out_dir, backend)
    out_label = display_path(out_dir)
    roles = {"create_once": emit.CREATE_ONCE_FILES, "local": emit.LOCAL_FILES}

    if check:
        drift = check_tree(out_dir, files, label=out_label, **roles)
        if drift.recovered:
            _note(f"note: rolled back an interrupted build in {out_label}")
        if drift.clean:
            if not quiet:
                n = len(set(files) - unchecked(**roles))
                click.echo(f"{out_label}: up to date ({n} files)")
            return
        _echo_diff(drift.diff)
        for rel in drift.removed:
            _note(f"would remove {out_label}/{rel}")
        _note(f"{out_label}: {drift.summary()}; run `arc2tf build` and commit the result")
        sys.exit(1)

    report = write_tree(out_dir, files, display=display_path, **roles)
    if report.recovered:
        _note(f"note: rolled back an interrupted build in {out_label}")
    if os.environ.get(f"TF_VAR_{emit.ENV_VALUES_VARIABLE}") is not None:
        # Terraform reads *.auto.tfvars.json after TF_VAR_*: the file just written wins.
        _note(f"warning: TF_VAR_{emit.ENV_VALUES_VARIABLE} is set, but the {emit.ENV_VALUES_FILE} "
              "this build wrote in each root (from prefs.arc / .env) takes precedence over it in "
              "Terraform; in CI run `arc2tf bundle` rather than `arc2tf build`, or delete those files")
    for rel in report.kept_modified:
        _note(f"warning: {out_label}/{rel} is no longer generated but was edited since: kept; "
              "delete it if unused")
    if verbose:
        for status, paths in (("wrote", report.written), ("created", report.seeded),
                              ("unchanged", report.unchanged), ("removed", report.removed)):
            for rel in paths:
                click.echo(f"  {status:<9} {out_label}/{rel}")
    bundle_line = None
    if not no_bundle:
        bundle_line = _bundle(app, out_dir, jobs, quiet)
    if quiet:
        return
    line = (f"{out_label}: {len(report.written)} written, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed")
    click.echo(line)
    for rel in report.seeded:
        click.echo(f"created {out_label}/{rel} (yours to edit: arc2tf never overwrites it)")
    if bundle_line:
        click.echo(bundle_line)
    click.echo(f"next: cd {display_path(out_dir / 'staging')} && terraform init && terraform apply")


def _load(project_dir: Path, manifest: Path | None):
    """The app, or a usage-grade error when DIR has no manifest: Architect would fall back to
    its built-in default app, but Terraform for an app nobody wrote is never what a build wants."""
    from arc2tf.normalize import load_app

    app = load_app(project_dir, manifest=manifest)
    if not app.manifest:
        _error(f"no Architect manifest in {display_path(project_dir)} "
               "(app.arc, .arc, arc.json, arc.yaml, arc.yml or package.json with an `arc` key)",
               "run `arc2tf init` to create one, or pass the project dir")
        sys.exit(1)
    print_warnings(app.warnings)
    return app


def _render(app, out_dir: Path, backend: str | None) -> dict[str, str]:
    from arc2tf import emit

    # The roots reach the static folder through this relative path, so it must not depend on
    # the cwd or on where the repo is checked out (committed output is compared byte for byte).
    from_project = Path(os.path.relpath(out_dir.resolve(), Path(app.project_dir).resolve())).as_posix()
    options = emit.EmitOptions(out_dir_from_project=from_project, backend=backend)
    files = emit.render_terraform(app, options)
    print_warnings(emit.terraform_warnings(app))
    return files


def _bundle(app, out_dir: Path, jobs: int | None, quiet: bool) -> str:
    from arc2tf.bundle import bundle_functions

    report = bundle_functions(app, out_dir / "bundles", jobs=jobs, quiet=quiet)
    print_warnings(report.warnings)
    built, reused = len(report.rebuilt), len(report.reused)
    return f"{display_path(out_dir / 'bundles')}: {built} bundled, {reused} reused"


def _echo_diff(diff: str) -> None:
    if not use_colour(sys.stdout):
        click.echo(diff, nl=False)
        return
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            click.echo(click.style(line, bold=True))
        elif line.startswith("+"):
            click.echo(click.style(line, fg="green"))
        elif line.startswith("-"):
            click.echo(click.style(line, fg="red"))
        elif line.startswith("@@"):
            click.echo(click.style(line, fg="cyan"))
        else:
            click.echo(line)


@main.command(epilog=EXIT_CODES)
@_project_arg
@_out_opt
@_manifest_opt
@_jobs_opt
@_quiet_opt
def bundle(project_dir: Path, out_dir: Path | None, manifest: Path | None, jobs: int | None,
           quiet: bool) -> None:
    """Zip each function's handler dir (with its dependencies) into OUT/bundles, only.

    Unchanged functions are reused, not re-zipped. The Terraform is not touched.

    \b
    Example:
      arc2tf bundle
      arc2tf bundle examples/echo --jobs 2
    """
    out_dir = out_dir if out_dir is not None else project_dir / "terraform"
    app = _load(project_dir, manifest)
    line = _bundle(app, out_dir, jobs, quiet)
    if not quiet:
        click.echo(line)


@main.command(epilog=EXIT_CODES)
@click.argument("project_dir", metavar="[DIR]", default=".",
                type=click.Path(file_okay=False, path_type=Path))
@click.option("--runtime", metavar="RUNTIME", type=click.Choice(RUNTIMES),
              help=f"Runtime of a new app, written to @aws: {', '.join(RUNTIMES)}. An existing "
              "manifest's runtime wins.  [default: nodejs22.x]")
@_quiet_opt
def init(project_dir: Path, runtime: str | None, quiet: bool) -> None:
    """Create what a runnable app is missing: app.arc, handlers, the static script.

    With no manifest in DIR, writes the echo app (`@http get /`, `@ws`,
    `@static`). Then writes a working handler in every handler dir the app
    needs that does not exist: HTTP routes return a page, WebSocket `$default`
    echoes. Never overwrites a file; run it again after adding routes.

    \b
    Example:
      arc2tf init myapp
      arc2tf init myapp --runtime python3.12
    """
    from arc2tf.scaffold import init_project

    if project_dir.exists() and not project_dir.is_dir():
        raise click.BadParameter(f"{display_path(project_dir)} is not a directory", param_hint="DIR")
    report = init_project(project_dir, runtime)
    if runtime and not report.manifest_created:
        _note(f"note: --runtime {runtime} only applies to a new manifest; "
              "handlers follow the runtime the existing manifest sets")
    for reason in report.skipped:
        _note(f"skipped {display_path(project_dir)}/{reason}")
    if quiet:
        return
    label = display_path(project_dir)
    for rel in report.created:
        click.echo(f"created {display_path(project_dir / rel)}")
    if not report.created:
        click.echo(f"{label}: nothing to create, every handler exists")
    else:
        build_arg = "" if label == "." else f" {label}"
        click.echo(f"next: arc2tf build{build_arg}")


_URL_OUTPUTS = (("http", "http_url"), ("ws", "ws_url"), ("static", "static_url"))


@main.command(epilog=EXIT_CODES)
@click.argument("project_dir", metavar="[DIR]", default=".",
                type=click.Path(file_okay=False, path_type=Path))
@_out_opt
@click.option("--env", "environment", type=click.Choice(DEPLOY_ENVIRONMENTS), default="staging",
              show_default=True, help="The root config to read.")
@click.option("--json", "as_json", is_flag=True, help="Print {name: url} as JSON.")
def urls(project_dir: Path, out_dir: Path | None, environment: str, as_json: bool) -> None:
    """Print the HTTP, WebSocket and static URLs of an applied environment.

    Reads `terraform output -json` in OUT/ENV (Terraform must be on PATH and
    the root applied).

    \b
    Example:
      arc2tf urls
      arc2tf urls examples/echo --env production
    """
    out_dir = out_dir if out_dir is not None else project_dir / "terraform"
    root = out_dir / environment
    label = display_path(root)
    if not (root / "main.tf").is_file():
        _error(f"no Terraform root at {label}", "run `arc2tf build` first")
        sys.exit(1)
    terraform = shutil.which("terraform")
    if terraform is None:
        _error("terraform is not on PATH",
               "install Terraform >= 1.5 (developer.hashicorp.com/terraform/install)")
        sys.exit(1)
    proc = subprocess.run([terraform, "output", "-json"], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "TF_IN_AUTOMATION": "1"})
    apply_hint = f"cd {label} && terraform init && terraform apply"
    if proc.returncode != 0:
        detail = _terraform_error(proc.stderr)
        _error(f"`terraform output` failed in {label}" + (f": {detail}" if detail else ""), apply_hint)
        sys.exit(1)
    try:
        outputs = json.loads(proc.stdout or "{}")
    except ValueError:
        _error(f"`terraform output -json` in {label} printed something that is not JSON")
        sys.exit(1)
    found = {name: outputs[key]["value"] for name, key in _URL_OUTPUTS
             if isinstance(outputs.get(key), dict) and outputs[key].get("value")}
    if not found:
        _error(f"{environment} is not applied yet: {label} has no URL outputs", apply_hint)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    for name, _key in _URL_OUTPUTS:
        if name in found:
            click.echo(f"{name:<7}{found[name]}")


def _terraform_error(stderr: str) -> str:
    """The first `Error: ...` line of Terraform's output (its boxes and warnings dropped)."""
    for line in stderr.splitlines():
        text = line.strip("│╷╵ \t")
        if text.startswith("Error:"):
            return text[len("Error:"):].strip()
    return ""
