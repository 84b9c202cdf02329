"""Show bundling progress on stderr: a bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
from typing import TextIO

import click

from arc2tf.bundle.model import BundleEvent


class ConsoleProgress:
    """A progress callback. On a terminal: a bar over the functions, with the
    current install or function beside it. Otherwise (CI logs): one line per
    install and per rebuilt function; unchanged functions are not listed, so a
    500-function app does not flood the log. The summary is the caller's to print
    (the "finish" event carries one).
    """

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty() if tty is None else tty
        self._bar = None
        self._lock = threading.Lock()

    def __call__(self, event: BundleEvent) -> None:
        with self._lock:
            if self._tty:
                self._bar_event(event)
            else:
                self._line_event(event)

    def _bar_event(self, event: BundleEvent) -> None:
        if event.stage == "start":
            self._bar = click.progressbar(length=max(event.total, 1), label="Bundling", file=self._stream,
                                          show_pos=True, item_show_func=lambda s: s)
            self._bar.__enter__()
            return
        if self._bar is None:
            return
        if event.stage == "finish":
            self._bar.__exit__(None, None, None)  # the caller prints the summary (event.detail)
            self._bar = None
        elif event.stage == "installing":
            self._bar.update(0, f"{event.function}: {event.detail}")
        elif event.stage == "zipping":
            self._bar.update(0, event.function)
        elif event.stage in ("built", "reused", "failed"):
            self._bar.update(1, event.function)
        if event.stage == "failed":
            self._bar.render_progress()

    def _line_event(self, event: BundleEvent) -> None:
        if event.stage == "installing":
            click.echo(f"bundle {event.function}: {event.detail}", file=self._stream)
        elif event.stage == "built":
            line = f"bundle {event.function}: {event.detail} [{event.done}/{event.total}]"
            click.echo(line, file=self._stream)
        elif event.stage == "failed":
            click.echo(f"bundle {event.function}: failed [{event.done}/{event.total}]", file=self._stream)
