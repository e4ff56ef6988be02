"""CUDA AMP becomes device-agnostic AMP: ``torch.autocast(device_type=...)`` and ``torch.amp.GradScaler``."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand
from chipshift.migrate.target import MigrationTarget

AUTOCAST = "torch.cuda.amp.autocast"
GRAD_SCALER = "torch.cuda.amp.GradScaler"
AUTOCAST_POSITIONAL = ("enabled", "dtype", "cache_enabled")
"""Positional parameters of ``torch.cuda.amp.autocast``, passed by keyword to ``torch.autocast``."""


class AmpCommand(MigrationCommand):
    """Rewrite CUDA AMP to device-agnostic AMP."""

    DESCRIPTION = "torch.cuda.amp.autocast/GradScaler -> torch.autocast/torch.amp.GradScaler with the device type"
    REWRITE = "amp"

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return target.amp_to_autocast

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = self.refers_to(original_node.func, (AUTOCAST, GRAD_SCALER))
        if name is None or any(arg.star for arg in original_node.args):
            return updated_node
        if isinstance(original_node.func, cst.Name):
            self.forget_import(name)
        device_type = self.build(self.target.device_type)
        if name == GRAD_SCALER:
            self.record(original_node, "torch.cuda.amp.GradScaler() -> torch.amp.GradScaler(device type)")
            first = cst.Arg(value=device_type)
            scaler = self.build("torch.amp.GradScaler")
            return updated_node.with_changes(func=scaler, args=_prepend(first, updated_node))
        self.record(original_node, "torch.cuda.amp.autocast() -> torch.autocast(device_type=...)")
        args = [_by_keyword(arg, index) for index, arg in enumerate(updated_node.args)]
        first = cst.Arg(value=device_type, keyword=cst.Name("device_type"), equal=_EQUAL)
        call = updated_node.with_changes(args=args)
        return call.with_changes(func=self.build("torch.autocast"), args=_prepend(first, call))


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _prepend(arg: cst.Arg, call: cst.Call) -> list[cst.Arg]:
    """``arg`` followed by the call's own arguments."""
    if call.args:
        arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return [arg, *call.args]


def _by_keyword(arg: cst.Arg, index: int) -> cst.Arg:
    """A positional autocast argument passed by its keyword."""
    if arg.keyword is not None or index >= len(AUTOCAST_POSITIONAL):
        return arg
    return arg.with_changes(keyword=cst.Name(AUTOCAST_POSITIONAL[index]), equal=_EQUAL)
