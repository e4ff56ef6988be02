"""Backends a scanned project already ships for a porting target, so that its port is configuration, not code.

DeepSpeed ships ``accelerator/npu_accelerator.py``; accelerate, Lightning or a user's own code import ``torch_npu``
and handle the ``"npu"`` device. Such a project runs on the target once the vendor's stack is installed and
configured: the effort model (:mod:`chipshift.scan.effort`) costs it as configuration for that target only, and
says why in the working. Evidence is one of: a Python module named for the target's backend (``npu_accelerator.py``,
``npu.py``, ``mlu_accelerator.py`` ...) inside a package, or an import of the target's PyTorch plugin
(``torch_npu``, ``torch_mlu``, ``torch_musa``). The whole project around the evidence (the nearest folder above it
with ``setup.py``, ``setup.cfg`` or ``pyproject.toml``, else the scan root) is covered.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass

BACKEND_WORDS: dict[str, str] = {"ascend": "npu", "cambricon": "mlu", "musa": "musa"}
"""The device word of each porting target whose backend a project can ship (Hygon DCU runs CUDA-style HIP code
through ``torch.cuda``, and ``portable`` is no vendor, so neither is detected here)."""
PLUGINS: dict[str, str] = {"ascend": "torch_npu", "cambricon": "torch_mlu", "musa": "torch_musa"}
"""The PyTorch plugin of each target."""
PROJECT_MARKERS = ("setup.py", "setup.cfg", "pyproject.toml")

_MODULE_NAME = {target: re.compile(rf"^(?:{word}|{word}_accelerator|{word}_backend)\.py$")
                for target, word in BACKEND_WORDS.items()}  # fmt: skip
_PLUGIN_IMPORT = {
    target: re.compile(rf"^[ \t]*(?:import|from)[ \t]+{plugin}\b", re.MULTILINE) for target, plugin in PLUGINS.items()
}


@dataclass(frozen=True)
class ShippedBackend:
    """A backend for ``target`` that the project under ``package`` already ships."""

    target: str
    """The porting target it serves."""
    package: str
    """The project folder it covers, as scanned (POSIX)."""
    evidence: str
    """What shows it, e.g. ``accelerator/npu_accelerator.py (NPU backend module)``."""


def detect_backends(root: str, python_files: Iterable[tuple[str, str]], paths: Iterable[str]) -> list[ShippedBackend]:
    """Backends shipped under ``root``: ``python_files`` are (path as scanned, text) pairs, ``paths`` every file the
    scan found there. One entry per target and project, the first evidence by path."""
    known = {posixpath.normpath(p) for p in paths}
    packages = {posixpath.dirname(p) for p in known if posixpath.basename(p) == "__init__.py"}
    found: dict[tuple[str, str], ShippedBackend] = {}
    for path, text in sorted(python_files):
        path = posixpath.normpath(path)
        aside = bool(
            _ASIDE.search(posixpath.relpath(path, posixpath.normpath(root)) if root not in ("", ".") else path)
        )
        for target in BACKEND_WORDS:
            evidence = None if aside else _evidence(path, text, target, packages)
            if evidence is None:
                continue
            project = _project(path, root, known)
            shown = posixpath.relpath(path, project) if project != "." else path
            found.setdefault((target, project), ShippedBackend(target, project, f"{shown} ({evidence})"))
    return sorted(found.values(), key=lambda b: (b.package, b.target))


_ASIDE = re.compile(r"(^|/)(tests?|docs?|examples?|benchmarks?|scripts?)/|(^|/)test_[^/]*$|_test\.py$")
"""Files that do not make a backend part of the project: an example or a test that imports ``torch_npu`` is a demo."""


def _evidence(path: str, text: str, target: str, packages: set[str]) -> str | None:
    if posixpath.dirname(path) in packages and _MODULE_NAME[target].match(posixpath.basename(path)):
        return f"{BACKEND_WORDS[target].upper()} backend module"
    if PLUGINS[target] in text and _PLUGIN_IMPORT[target].search(text):
        return f"imports {PLUGINS[target]}"
    return None


def _project(path: str, root: str, known: set[str]) -> str:
    """The nearest folder above ``path`` with a project marker, else the scan root."""
    root = posixpath.normpath(root)
    folder = posixpath.dirname(path)
    while True:
        if any(posixpath.join(folder, marker) in known for marker in PROJECT_MARKERS):
            return folder or "."
        if folder in (root, "", "/", ".") or not folder:
            return root
        folder = posixpath.dirname(folder)


def covering_backend(backends: Iterable[ShippedBackend], path: str, target: str) -> ShippedBackend | None:
    """The shipped backend for ``target`` whose project holds ``path``, if any."""
    path = posixpath.normpath(path)
    for backend in backends:
        if backend.target == target and _within(path, backend.package):
            return backend
    return None


def _within(path: str, folder: str) -> bool:
    if folder == ".":
        return not path.startswith("/") and not path.startswith("../")
    return path == folder or path.startswith(folder.rstrip("/") + "/")
