"""The migration codemods, one per rewrite, in the order they run."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.amp import AmpCommand
from chipshift.migrate.codemods.base import MigrationCommand, MigrationState
from chipshift.migrate.codemods.batch import RewriteBatch
from chipshift.migrate.codemods.cuda_calls import CudaCallsCommand
from chipshift.migrate.codemods.cuda_method import CudaMethodCommand
from chipshift.migrate.codemods.device_flow import DeviceFlowCommand
from chipshift.migrate.codemods.device_strings import DeviceStringCommand
from chipshift.migrate.codemods.distributed import DistributedCommand
from chipshift.migrate.codemods.flash_attention import FlashAttentionCommand
from chipshift.migrate.codemods.guards import CudnnGuardCommand
from chipshift.migrate.codemods.leftovers import LeftoversCommand
from chipshift.migrate.codemods.module_rename import ModuleRenameCommand
from chipshift.migrate.codemods.resolution import DeviceResolutionCommand, TargetImportsCommand, choose_device_name
from chipshift.migrate.codemods.small_rewrites import AttributeRenameCommand, EnvironmentCommand, PinMemoryCommand

REWRITES: tuple[type[MigrationCommand], ...] = (
    ModuleRenameCommand,
    CudaMethodCommand,
    DeviceStringCommand,
    DeviceFlowCommand,
    AmpCommand,
    DistributedCommand,
    PinMemoryCommand,
    EnvironmentCommand,
    AttributeRenameCommand,
    FlashAttentionCommand,
    CudnnGuardCommand,
    CudaCallsCommand,
)
"""Rewrites run together in one pass; a rewrite that changes the kind of a node (a call guarded into a
conditional expression) comes after those that look at that kind of node."""

FINISHING: tuple[type[MigrationCommand], ...] = (DeviceResolutionCommand, TargetImportsCommand, LeftoversCommand)
"""Passes after the rewrites: they depend on what the rewrites did."""


def may_need_migration(code: str) -> bool:
    """Whether some rewrite or the leftovers list may have something in ``code`` (a text test, before parsing)."""
    return any(trigger in code for command in (*REWRITES, *FINISHING) for trigger in command.TRIGGERS)


def migrate_module(module: cst.Module, state: MigrationState) -> cst.Module:
    """``module`` migrated to the state's target; ``state`` collects the changes and what is left."""
    rewrites = [command(state) for command in REWRITES if command.applies_to(state.target)]
    code = module.code
    needed = [rewrite for rewrite in rewrites if rewrite.is_needed(code)]
    state.find_kept(code)
    module = RewriteBatch(needed, state.target).transform_module(module)
    for command_class in FINISHING:
        command = command_class(state)
        if command.applies_to(state.target) and command.is_needed(module.code):
            module = command.transform_module(module)
    return module


__all__ = [
    "FINISHING",
    "REWRITES",
    "MigrationCommand",
    "MigrationState",
    "choose_device_name",
    "may_need_migration",
    "migrate_module",
]
