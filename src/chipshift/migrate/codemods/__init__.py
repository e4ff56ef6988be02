"""The migration codemods, one per rewrite, in the order they run."""

from __future__ import annotations

from chipshift.migrate.codemods.amp import AmpCommand
from chipshift.migrate.codemods.base import MigrationCommand, MigrationState
from chipshift.migrate.codemods.cuda_calls import CudaCallsCommand
from chipshift.migrate.codemods.cuda_method import CudaMethodCommand
from chipshift.migrate.codemods.device_strings import DeviceStringCommand
from chipshift.migrate.codemods.distributed import DistributedCommand
from chipshift.migrate.codemods.guards import CudnnGuardCommand
from chipshift.migrate.codemods.leftovers import LeftoversCommand
from chipshift.migrate.codemods.module_rename import ModuleRenameCommand
from chipshift.migrate.codemods.resolution import DeviceResolutionCommand, TargetImportsCommand, choose_device_name
from chipshift.migrate.codemods.small_rewrites import EnvironmentCommand, PinMemoryCommand
from chipshift.migrate.target import Target

PIPELINE: tuple[type[MigrationCommand], ...] = (
    ModuleRenameCommand,
    CudaMethodCommand,
    DeviceStringCommand,
    AmpCommand,
    DistributedCommand,
    PinMemoryCommand,
    EnvironmentCommand,
    CudaCallsCommand,
    CudnnGuardCommand,
    DeviceResolutionCommand,
    TargetImportsCommand,
)
"""Rewrites in order; those that add lines (guards, resolution, imports) come last."""


def pipeline(target: Target) -> list[type[MigrationCommand]]:
    """The rewrites that apply to ``target``, then the listing of what is left."""
    return [command for command in PIPELINE if command.applies_to(target)] + [LeftoversCommand]


__all__ = ["PIPELINE", "MigrationCommand", "MigrationState", "choose_device_name", "pipeline"]
