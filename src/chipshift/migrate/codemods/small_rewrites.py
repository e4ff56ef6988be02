"""Small literal rewrites: ``pin_memory=True`` guarded, CUDA environment variable names renamed."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, requote, string_value
from chipshift.migrate.target import Target


class PinMemoryCommand(MigrationCommand):
    """``pin_memory=True`` -> pinned only where an accelerator is present."""

    DESCRIPTION = "pin_memory=True -> pin_memory=<accelerator present>"
    REWRITE = "pin-memory"

    @classmethod
    def applies_to(cls, target: Target) -> bool:
        return target.pin_memory is not None

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        keyword = original_node.keyword
        value = original_node.value
        if keyword is None or keyword.value != "pin_memory":
            return updated_node
        if not (isinstance(value, cst.Name) and value.value == "True"):
            return updated_node
        self.record(original_node, f"pin_memory=True -> pin_memory={self.target.pin_memory}")
        return updated_node.with_changes(value=self.build(str(self.target.pin_memory)))


class EnvironmentCommand(MigrationCommand):
    """``"CUDA_VISIBLE_DEVICES"`` -> the target's variable (``"ASCEND_RT_VISIBLE_DEVICES"``)."""

    DESCRIPTION = "CUDA environment variable names -> the target's"
    REWRITE = "environment"

    @classmethod
    def applies_to(cls, target: Target) -> bool:
        return bool(target.env_renames)

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        value = string_value(original_node)
        if value is None or value not in self.target.env_renames:
            return updated_node
        new = self.target.env_renames[value]
        self.record(original_node, f"{value} -> {new}")
        return requote(updated_node, new)
