"""The `arc2tf` command line.

Exit codes: 0 ok, 1 bad input (or `build --check` found drift), 2 bad usage.
Results go to stdout, errors and progress to stderr. A traceback is a bug:
every error the user can cause is an `ArcErrors` and is printed compiler-style.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from arc2tf import __version__
from arc2tf.errors import ArcErrors
from arc2tf.report import print_errors, print_warnings

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="arc2tf")
def main() -> None:
    """Compile an Architect (arc.codes) app into Terraform for AWS.

    \b
    Example:
      arc2tf inspect examples/echo
      arc2tf build examples/echo
      cd examples/echo/terraform/staging && terraform init && terraform apply
    """


@main.command()
@click.argument("project_dir", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--manifest", type=click.Path(dir_okay=False, path_type=Path), help="Read this manifest file.")
@click.option("--env", "environment", type=click.Choice(["testing", "staging", "production"]),
              help="Show only this environment's variables.")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved app as JSON (the conformance shape).")
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
