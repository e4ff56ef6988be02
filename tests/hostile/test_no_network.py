"""No command opens a network socket (issue 17: held, kept so): watched by an audit hook in every process.

The commands run as a user runs them, in their own processes, with a ``sitecustomize`` module that installs a Python
audit hook before chipshift is imported; worker processes (forked or spawned) carry it too. The hook logs every
Internet socket made and every address looked up, connected or bound; local (Unix) sockets and pipes are allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from chipshift.assess import example_scenario_path

SRC = Path(__file__).resolve().parents[2] / "src"
EXAMPLE_DIR = example_scenario_path().parent

SITECUSTOMIZE = """
import os
import socket
import sys

_LOG = os.environ["CHIPSHIFT_SOCKET_LOG"]
_INTERNET = (socket.AF_INET, socket.AF_INET6)


def _network(event, args):
    if event == "socket.__new__":
        return len(args) > 1 and args[1] in _INTERNET
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        return len(args) > 1 and isinstance(args[1], tuple)
    return event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr")


def _hook(event, args):
    if event.startswith("socket.") and _network(event, args):
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {args[1:]!r}\\n")


sys.addaudithook(_hook)
"""


def _chipshift(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    hooks = folder / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(hooks), str(SRC)]),
        "CHIPSHIFT_SOCKET_LOG": str(folder / "sockets.log"),
    }
    return subprocess.run(
        [sys.executable, "-m", "chipshift", *args], cwd=folder, env=env, capture_output=True, text=True, check=False
    )


def test_the_hook_sees_a_socket(tmp_path: Path) -> None:
    """The watch works: the same hook in a process that does make an Internet socket logs it."""
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "sockets.log"
    env = {**os.environ, "PYTHONPATH": str(hooks), "CHIPSHIFT_SOCKET_LOG": str(log)}
    code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    assert "socket.__new__" in log.read_text(encoding="utf-8")


def test_assess_scan_migrate_and_fleet_open_no_network_socket(tmp_path: Path) -> None:
    text = example_scenario_path().read_text(encoding="utf-8").replace("runs: 200", "runs: 4")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text.replace("[example-repo]", f"[{EXAMPLE_DIR / 'example-repo'}]"), encoding="utf-8")
    (tmp_path / "fleet.csv").write_bytes((EXAMPLE_DIR / "fleet.csv").read_bytes())
    database = tmp_path / "fleet.sqlite"
    runs = [
        ("assess", str(scenario), "--out", "report.html", "--workers", "2", "-q"),  # fleet, scan, perf, plan, sweep
        ("scan", str(EXAMPLE_DIR / "example-repo"), "-j", "2", "--no-cache", "-f", "json", "-o", "scan.json"),
        ("migrate", str(EXAMPLE_DIR / "example-repo"), "--patch", "port.patch"),
        ("fleet", "ingest", "fleet.csv", "--db", str(database)),
        ("fleet", "export", "--db", str(database)),
    ]
    for args in runs:
        done = _chipshift(tmp_path, *args)
        assert done.returncode in (0, 1), (args, done.stderr[-2000:])  # 1: the example plan or scan's own verdict
    assert (tmp_path / "report.html").exists() and (tmp_path / "scan.json").exists()
    log = tmp_path / "sockets.log"
    assert not log.exists(), log.read_text(encoding="utf-8")
