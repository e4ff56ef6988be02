"""Per-project scan settings: ``chipshift.toml`` (top level) or ``[tool.chipshift]`` in ``pyproject.toml`` at the root
of a scanned folder.

    exclude = ["legacy/**", "benchmarks/*.py"]   # paths (relative to that folder) not scanned
    disable = ["CS149"]                           # rules not reported
    [severity]                                    # ([tool.chipshift.severity] in pyproject.toml)
    CS142 = "low"                                 # rules re-rated

A bad file or value is an error naming the file and the field; an unknown rule id names the closest ones.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from chipshift.errors import InputFileError
from chipshift.files import read_input_text

SEVERITIES = ("info", "low", "medium", "high", "critical")
CONFIG_LIMIT_BYTES = 1 << 20
KEYS = frozenset({"exclude", "disable", "severity"})


@dataclass(frozen=True)
class ScanConfig:
    """The settings of one scanned folder (empty when it has none)."""

    exclude: tuple[str, ...] = ()
    """Glob patterns of paths relative to the folder (``*`` and ``**`` match across ``/``)."""
    disable: frozenset[str] = frozenset()
    """Rule ids not reported."""
    severity: dict[str, str] = field(default_factory=dict)
    """Rule id -> severity label it is reported with."""
    source: str = ""
    """The file the settings came from."""

    def excludes(self, relative_path: str) -> bool:
        """Whether a file (its path relative to the folder) is left out."""
        return any(fnmatchcase(relative_path, pattern) for pattern in self.exclude)


def load_config(root: Path, rule_ids: Collection[str]) -> ScanConfig:
    """The settings of folder ``root``: ``chipshift.toml``, else ``pyproject.toml``'s ``[tool.chipshift]``."""
    if not root.is_dir():
        return ScanConfig()
    own = root / "chipshift.toml"
    if own.is_file():
        return _parse(_read(own), str(own), rule_ids, prefix="")
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _read(pyproject)
        except InputFileError:
            return ScanConfig()  # a broken pyproject.toml is the scanned project's; the scan reports it as skipped
        table = data.get("tool", {}).get("chipshift")
        if isinstance(table, dict):
            return _parse(table, str(pyproject), rule_ids, prefix="tool.chipshift.")
    return ScanConfig()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_input_text(path, limit_bytes=CONFIG_LIMIT_BYTES, what="settings file"))
    except tomllib.TOMLDecodeError as error:
        raise InputFileError(str(path), f"not valid TOML: {error}") from None


def _parse(table: dict[str, Any], path: str, rule_ids: Collection[str], *, prefix: str) -> ScanConfig:
    for key in table:
        if key not in KEYS:
            raise InputFileError(path, f"unknown setting; one of {', '.join(sorted(KEYS))}", field=prefix + key)
    exclude = _strings(table.get("exclude", []), path, prefix + "exclude")
    disable = _strings(table.get("disable", []), path, prefix + "disable")
    for rule_id in disable:
        _check_rule(rule_id, path, prefix + "disable", rule_ids)
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise InputFileError(path, "must be a table of rule id = severity", field=prefix + "severity")
    for rule_id, label in severity.items():
        _check_rule(rule_id, path, f"{prefix}severity.{rule_id}", rule_ids)
        if label not in SEVERITIES:
            raise InputFileError(path, f"{label!r} is no severity; one of {', '.join(SEVERITIES)}",
                                 field=f"{prefix}severity.{rule_id}")  # fmt: skip
    return ScanConfig(tuple(exclude), frozenset(disable), dict(severity), path)


def _strings(value: Any, path: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputFileError(path, "must be a list of strings", field=name)
    return list(value)


def _check_rule(rule_id: str, path: str, name: str, rule_ids: Collection[str]) -> None:
    if rule_id not in rule_ids:
        close = difflib.get_close_matches(rule_id, list(rule_ids), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputFileError(path, f"unknown rule {rule_id!r}{hint}", field=name)
