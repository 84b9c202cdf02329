"""A headless Chromium driven over the Chrome DevTools Protocol, for the live page test.

Debian's `chromium` package (found on PATH at run time; `.ci/run` installs it), no
WebDriver and no test tool's own browser download. The protocol goes over the
`websockets` library the tests already depend on: Chromium listens on a port it
picks itself (`--remote-debugging-port=0`) and names it in `DevToolsActivePort`
in its fresh user-data dir.

`Chromium.page()` opens a tab; `Page` navigates, evaluates JavaScript, types with
`Input.insertText` and presses keys with `Input.dispatchKeyEvent` (trusted input
events, as a person's typing produces), and records what the page printed to the
console, what it threw and what the browser logged (failed loads, refused
certificates), so a failing assertion can say why.

TLS: the test's servers sit on 127.0.0.1 behind real AWS hostnames. Chromium reaches
them the way DNS would, by `--host-resolver-rules`, and trusts exactly one certificate
the test made, by its SPKI pin (`--ignore-certificate-errors-spki-list`, honoured only
with a user-data dir, as here); every other certificate is checked as usual.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BROWSER_NAMES = ("chromium", "chromium-browser")
START_TIMEOUT = 30  # seconds for DevToolsActivePort to appear on a busy 2-core machine
COMMAND_TIMEOUT = 30

# As root in a container: no sandbox, no GPU; no QUIC and none of the browser's own
# traffic (updates, sync, safe browsing), which this machine's closed network refuses.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage", "--no-proxy-server",
         "--mute-audio")


class BrowserUnavailable(RuntimeError):
    """No Chromium on this machine; the browser tests skip with this message."""


def find_chromium() -> str:
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(f"no Chromium on PATH (looked for {', '.join(BROWSER_NAMES)}; "
                             "Debian: apt-get install chromium, as .ci/run does)")


@dataclass(frozen=True)
class SelfSignedCertificate:
    """A self-signed certificate for some hostnames; PEM files and the SPKI pin Chromium takes."""

    cert_file: Path
    key_file: Path
    spki_sha256: str  # base64 of the SHA-256 of the DER SubjectPublicKeyInfo


def make_certificate(hostnames: Iterable[str], directory: Path) -> SelfSignedCertificate:
    """A fresh EC key and a one-day self-signed certificate naming `hostnames`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names = sorted(set(hostnames))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    pin = base64.b64encode(hashlib.sha256(spki).digest()).decode()
    return SelfSignedCertificate(cert_file, key_file, pin)


class CdpError(RuntimeError):
    pass


class _Connection:
    """One DevTools WebSocket; commands wait for their answer, events are kept as they arrive."""

    def __init__(self, url: str) -> None:
        from websockets.sync.client import connect

        self._stack = ExitStack()
        # No Origin header is sent, so Chromium's --remote-allow-origins check does not apply.
        self._ws = self._stack.enter_context(connect(url, max_size=None, open_timeout=COMMAND_TIMEOUT))
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: Mapping[str, Any] | None = None, *, session: str | None = None,
             timeout: float = COMMAND_TIMEOUT) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": dict(params or {})}
        if session is not None:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer to {method} in {timeout} s")
            answer = json.loads(self._ws.recv(timeout=remaining))
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise CdpError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self.events.append(answer)

    def close(self) -> None:
        self._stack.close()


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, cdp: _Connection, target_id: str, session: str) -> None:
        self._cdp = cdp
        self.target_id = target_id
        self.session = session

    def send(self, method: str, params: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self._cdp.send(method, params, session=self.session, **kw)

    def navigate(self, url: str) -> None:
        result = self.send("Page.navigate", {"url": url}, timeout=90)
        if result.get("errorText"):
            raise CdpError(f"navigating to {url}: {result['errorText']}; {self.problems()}")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float) -> Any:
        """Poll a JavaScript expression until it is truthy; its value (TimeoutError otherwise)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except CdpError as exc:  # e.g. the context went away as a navigation committed
                value = exc
            if value and not isinstance(value, CdpError):
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"{expression!r} still {value!r} after {timeout} s; {self.problems()}")
            time.sleep(0.1)

    def insert_text(self, text: str) -> None:
        """Type into the focused element: trusted `beforeinput`/`input` events, as an IME commit."""
        self.send("Input.insertText", {"text": text})

    def press_enter(self) -> None:
        key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "nativeVirtualKeyCode": 13}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": "\r", **key})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", **key})

    def console(self) -> list[str]:
        """What the page and the browser reported so far: console calls, exceptions, log entries."""
        lines = []
        for event in self._cdp.events:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            if event["method"] == "Runtime.consoleAPICalled":
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                lines.append(f"console.{params.get('type')}: {text}")
            elif event["method"] == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                description = details.get("exception", {}).get("description") or details.get("text")
                lines.append(f"exception: {description} at {details.get('url')}:{details.get('lineNumber')}")
            elif event["method"] == "Log.entryAdded":
                entry = params.get("entry", {})
                lines.append(f"log.{entry.get('level')}: {entry.get('text')} {entry.get('url', '')}".rstrip())
        return lines

    def problems(self) -> str:
        return "browser console: " + (" | ".join(self.console()) or "(nothing)")

    def close(self) -> None:
        self._cdp.send("Target.closeTarget", {"targetId": self.target_id})


class Chromium:
    """A headless Chromium process with a fresh profile; always killed on exit."""

    def __init__(self, user_data_dir: Path, *, host_rules: Mapping[str, str] | None = None,
                 spki_pins: Iterable[str] = ()) -> None:
        self.binary = find_chromium()
        self.user_data_dir = user_data_dir
        self.host_rules = dict(host_rules or {})  # hostname -> "127.0.0.1:port"
        self.spki_pins = tuple(spki_pins)
        self.process: subprocess.Popen[bytes] | None = None
        self._cdp: _Connection | None = None
        self.stderr_file = user_data_dir.parent / f"{user_data_dir.name}.stderr"

    def command(self) -> list[str]:
        args = [self.binary, *FLAGS, f"--user-data-dir={self.user_data_dir}", "--remote-debugging-port=0"]
        if self.host_rules:
            # Only the named hosts are mapped; every other name fails to resolve (no stray traffic).
            rules = [f"MAP {host} {target}" for host, target in sorted(self.host_rules.items())]
            args.append("--host-resolver-rules=" + ", ".join([*rules, "MAP * ~NOTFOUND"]))
        if self.spki_pins:
            args.append("--ignore-certificate-errors-spki-list=" + ",".join(self.spki_pins))
        return [*args, "about:blank"]

    def __enter__(self) -> Chromium:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.user_data_dir.mkdir(parents=True, exist_ok=True)
        port_file = self.user_data_dir / "DevToolsActivePort"
        port_file.unlink(missing_ok=True)
        with open(self.stderr_file, "wb") as stderr:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=stderr,
                                            stderr=stderr, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.binary} exited {self.process.returncode}: {self.stderr()}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.binary} gave no DevTools port in {START_TIMEOUT} s: "
                                       f"{self.stderr()}")
                time.sleep(0.05)
            port, path = port_file.read_text().splitlines()[:2]
            self._cdp = _Connection(f"ws://127.0.0.1:{port}{path}")
        except BaseException:
            self.stop()
            raise

    def stderr(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.stderr_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def page(self) -> Page:
        assert self._cdp is not None
        target = self._cdp.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._cdp.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self._cdp, target, session)
        for domain in ("Page", "Runtime", "Log"):
            page.send(f"{domain}.enable")
        return page

    def stop(self) -> None:
        if self._cdp is not None:
            try:
                self._cdp.close()
            except Exception:  # the browser may already be gone; the kill below is what matters
                pass
            self._cdp = None
        if self.process is not None:
            try:
                # Its own process group: the renderer, GPU and zygote helpers go with it.
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=30)
            self.process = None
