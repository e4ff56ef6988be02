"""Load and validate the catalog: the YAML files shipped in ``catalog/data`` plus the user's directories.

A file may hold any of the sections ``sources``, ``chips``, ``systems``, ``stacks``, ``porting_targets`` and ``rules``
(policy rules, see :mod:`chipshift.catalog.policy`). A user file adds records or replaces shipped ones with the same
id. Every error names the file, the line and the field (``my-chips.yaml:12: field
'chips[0].memory.capacity_gb.value': Input should be a valid number``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from chipshift.catalog.policy.model import PolicyRule
from chipshift.catalog.policy.status import Policy, policy_from_catalog
from chipshift.catalog.schema import PORTABLE_TARGET, Chip, PortingTarget, SoftwareStack, Source, System
from chipshift.datafiles import load_yaml_model
from chipshift.errors import InputFileError, UnknownIdError
from chipshift.files import MiB

Record = TypeVar("Record", Chip, System, SoftwareStack, PortingTarget)

CATALOG_FILE_LIMIT_BYTES = 16 * MiB
"""Largest catalog file read (the shipped ones are under 100 KB)."""


class CatalogFile(BaseModel):
    """The shape of one catalog YAML file: any of the sections may be present."""

    model_config = ConfigDict(extra="forbid")

    sources: list[Source] = Field(default_factory=list)
    """Publications the figures and rules in this (or another) file point at."""
    chips: list[Chip] = Field(default_factory=list)
    """Accelerators."""
    systems: list[System] = Field(default_factory=list)
    """Servers, supernodes, vehicle platforms."""
    stacks: list[SoftwareStack] = Field(default_factory=list)
    """Software stacks and frameworks."""
    porting_targets: list[PortingTarget] = Field(default_factory=list)
    """What code is ported to (``ascend``, ``portable``): the targets of scan and migrate."""
    rules: list[PolicyRule] = Field(default_factory=list)
    """Policy rules (export controls, procurement and security rules), dated and sourced."""


def normalise_name(name: str) -> str:
    """Fold a user-typed name for lookup: case, spaces, dashes, underscores and the 'nvidia'/'huawei' prefixes."""
    folded = re.sub(r"[\s_\-./]+", "", name.strip().lower())
    for prefix in ("nvidia", "huawei", "ascend昇腾", "昇腾"):
        if folded.startswith(prefix) and len(folded) > len(prefix):
            folded = folded[len(prefix) :]
            break
    return folded


@dataclass
class Catalog:
    """Every chip, system, stack, porting target and source, with lookup by id, alias or Chinese name."""

    chips: dict[str, Chip] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)
    stacks: dict[str, SoftwareStack] = field(default_factory=dict)
    porting_targets: dict[str, PortingTarget] = field(default_factory=dict)
    """What code is ported to, by id, in file order (shipped first)."""
    sources: dict[str, Source] = field(default_factory=dict)
    rules: dict[str, PolicyRule] = field(default_factory=dict)
    """Policy rules by id (shipped, then the user's: a user rule with a shipped id replaces it)."""
    origin: dict[str, Path] = field(default_factory=dict)
    """File each record came from, keyed by '<kind>:<id>'."""

    def chip(self, wanted: str) -> Chip:
        """The chip with this id, alias or name; raises :class:`UnknownIdError` with the closest ids, or, for the id
        of a system, the chip it holds and ``--system``."""
        try:
            return _lookup(self.chips, wanted, "chip")
        except UnknownIdError as error:
            system = _find(self.systems, wanted)
            if system is None:
                raise
            raise UnknownIdError(
                "chip",
                wanted,
                [system.chip],
                hint=f"'{system.id}' is a system of {system.chip_count:,} x {system.chip}: give the chip "
                f"({system.chip}), with --system {system.id} where the command takes one (estimate and size take "
                "the system id itself)",
            ) from error

    def system(self, wanted: str) -> System:
        """The system with this id or alias."""
        return _lookup(self.systems, wanted, "system")

    def stack(self, wanted: str) -> SoftwareStack:
        """The software stack with this id."""
        return _lookup(self.stacks, wanted, "software stack")

    def porting_target(self, wanted: str) -> PortingTarget:
        """The porting target with this id or name."""
        return _lookup(self.porting_targets, wanted, "porting target")

    def porting_target_of(self, chip: Chip) -> str | None:
        """Id of the porting target code needs to run on ``chip``, from its stack (None: it runs CUDA code as it is;
        a chip with no stack: ``portable``)."""
        stack = self.stacks.get(chip.software_stack) if chip.software_stack else None
        return stack.porting_target if stack is not None else PORTABLE_TARGET

    def source(self, source_id: str) -> Source | None:
        """The source with this id, if the catalog has it."""
        return self.sources.get(source_id)


def _names(record: Chip | System | SoftwareStack | PortingTarget) -> list[str]:
    aliases: list[str] = list(getattr(record, "aliases", []))
    return [record.id, record.name, *aliases]


def _find(records: dict[str, Record], wanted: str) -> Record | None:
    """The record with this id, name or alias (case, spaces and vendor words folded), None when there is none."""
    if wanted in records:
        return records[wanted]
    index = {normalise_name(name): record for record in records.values() for name in _names(record)}
    return index.get(normalise_name(wanted))


def _lookup(records: dict[str, Record], wanted: str, kind: str) -> Record:
    found = _find(records, wanted)
    if found is not None:
        return found
    key = normalise_name(wanted)
    index = {normalise_name(name): record for record in records.values() for name in _names(record)}
    close = difflib.get_close_matches(key, list(index), n=8, cutoff=0.5)
    suggestions = list(dict.fromkeys(index[name].id for name in close))[:5]
    if not suggestions:
        suggestions = [rid for rid in records if key and key in normalise_name(rid)][:5]
    raise UnknownIdError(kind, wanted, suggestions)


def parse_catalog_file(path: Path, text: str | None = None) -> CatalogFile:
    """Parse and validate one catalog file, raising :class:`InputFileError` at the first problem."""
    return load_yaml_model(
        path,
        CatalogFile,
        text=text,
        limit_bytes=CATALOG_FILE_LIMIT_BYTES,
        what="catalog file",
        expected="expected a mapping with 'sources', 'chips', 'systems', 'stacks', 'porting_targets' or 'rules'",
    )


def shipped_data_dir() -> Path:
    """The directory of catalog YAML files inside the installed package."""
    return Path(str(resources.files("chipshift.catalog") / "data"))


def _yaml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputFileError(str(directory), "catalog directory does not exist")
    return sorted(p for p in directory.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())


def _merge(catalog: Catalog, parsed: CatalogFile, path: Path) -> None:
    sections: list[tuple[str, dict[str, Any], Iterable[BaseModel]]] = [
        ("source", catalog.sources, parsed.sources),
        ("chip", catalog.chips, parsed.chips),
        ("system", catalog.systems, parsed.systems),
        ("stack", catalog.stacks, parsed.stacks),
        ("porting target", catalog.porting_targets, parsed.porting_targets),
        ("rule", catalog.rules, parsed.rules),
    ]
    for kind, records, new in sections:
        for record in new:
            record_id = getattr(record, "id")  # noqa: B009
            records[record_id] = record
            catalog.origin[f"{kind}:{record_id}"] = path


def _check_rules(catalog: Catalog) -> None:
    for rule in catalog.rules.values():
        path = str(catalog.origin.get(f"rule:{rule.id}", Path("?")))
        if rule.source not in catalog.sources:
            raise InputFileError(path, f"rule '{rule.id}' cites unknown source '{rule.source}'", field="source")
        named = list(rule.applies_to.chip.chip_ids)
        named += [cid for alt in rule.applies_to.chip.any_of for cid in alt.chip_ids]
        for chip_id in named:
            if chip_id not in catalog.chips:
                raise InputFileError(path, f"rule '{rule.id}' names unknown chip '{chip_id}'", field="applies_to")
        for other in rule.supersedes:
            if other not in catalog.rules:
                raise InputFileError(path, f"rule '{rule.id}' supersedes unknown rule '{other}'", field="supersedes")


def _check_stacks(catalog: Catalog) -> None:
    for stack in catalog.stacks.values():
        if stack.porting_target is not None and stack.porting_target not in catalog.porting_targets:
            raise InputFileError(
                str(catalog.origin.get(f"stack:{stack.id}", Path("?"))),
                f"stack '{stack.id}' names unknown porting target '{stack.porting_target}'; "
                f"one of {sorted(catalog.porting_targets)} or a new entry under 'porting_targets'",
                field="porting_target",
            )


def check_references(catalog: Catalog) -> None:
    """Every figure and rule names a known source; every system a known chip; every chip a known stack; every stack
    a known porting target; every rule only known chips and rules."""
    _check_rules(catalog)
    _check_stacks(catalog)
    for chip in catalog.chips.values():
        path = catalog.origin.get(f"chip:{chip.id}", Path("?"))
        cited = [(name, fig.source) for name, fig in chip.figures().items()]
        cited += [("price", chip.price.source)] if chip.price else []
        cited += [(f"regulatory[{i}]", ev.source) for i, ev in enumerate(chip.regulatory)]
        cited += [("security", chip.security.source)] if chip.security.source else []
        cited += [(f"replaces[{i}]", r.source) for i, r in enumerate(chip.replaces)]
        for index, replaced in enumerate(chip.replaces):
            if replaced.chip not in catalog.chips:
                raise InputFileError(
                    str(path), f"chip '{chip.id}' replaces unknown chip '{replaced.chip}'", field=f"replaces[{index}]"
                )
        for name, source_id in cited:
            if source_id not in catalog.sources:
                raise InputFileError(str(path), f"chip '{chip.id}' cites unknown source '{source_id}'", field=name)
        if chip.software_stack and chip.software_stack not in catalog.stacks:
            raise InputFileError(
                str(path),
                f"chip '{chip.id}' names unknown stack '{chip.software_stack}'",
                field="software_stack",
            )
    for system in catalog.systems.values():
        path = catalog.origin.get(f"system:{system.id}", Path("?"))
        if system.chip not in catalog.chips:
            raise InputFileError(str(path), f"system '{system.id}' names unknown chip '{system.chip}'", field="chip")
        for name, fig in (
            ("scale_up_bandwidth_gb_s", system.scale_up_bandwidth_gb_s),
            ("scale_out_bandwidth_gb_s", system.scale_out_bandwidth_gb_s),
            ("power_kw", system.power_kw),
            ("price", system.price),
        ):
            if fig is not None and fig.source not in catalog.sources:
                raise InputFileError(str(path), f"system '{system.id}' cites unknown source '{fig.source}'", field=name)


@lru_cache(maxsize=8)
def _load(directories: tuple[Path, ...]) -> Catalog:
    catalog = Catalog()
    for directory in directories:
        for path in _yaml_files(directory):
            _merge(catalog, parse_catalog_file(path), path)
    check_references(catalog)
    return catalog


def load_catalog(user_dirs: Iterable[Path] = ()) -> Catalog:
    """The shipped catalog, then each user directory in order (a later record with the same id wins)."""
    return _load((shipped_data_dir(), *(Path(d) for d in user_dirs)))


@lru_cache(maxsize=8)
def _load_policy(directories: tuple[Path, ...]) -> Policy:
    return policy_from_catalog(load_catalog(directories))


def load_policy(user_dirs: Iterable[Path] = ()) -> Policy:
    """The shipped policy rules, then each user catalog directory's; one policy object (and its caches) per set of
    directories."""
    return _load_policy(tuple(Path(d) for d in user_dirs))
