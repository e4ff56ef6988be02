"""Small literal rewrites: ``pin_memory=True`` guarded, CUDA environment variable names renamed."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, MigrationState, code_of, requote, string_value
from chipshift.migrate.target import MigrationTarget


def is_pin_memory_guard(node: cst.IfExp, state: MigrationState) -> bool:
    """Whether ``node`` is ``(x.pin_memory() if <accelerator present> else x)`` as the target writes it."""
    guard = state.target.pin_memory
    return guard is not None and code_of(node.test) == state.render(str(guard))


class PinMemoryCommand(MigrationCommand):
    """``pin_memory=True`` -> pinned only where an accelerator is present."""

    DESCRIPTION = "pin_memory=True -> pin_memory=<accelerator present>"
    REWRITE = "pin-memory"
    TRIGGERS = ("pin_memory",)

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self._guarded: set[int] = set()

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
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

    def visit_IfExp(self, node: cst.IfExp) -> None:
        """A call that is already the guarded branch is left alone (a second run changes nothing)."""
        if is_pin_memory_guard(node, self.state):
            self._guarded.add(id(node.body))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``x.pin_memory()`` -> ``(x.pin_memory() if <accelerator present> else x)`` for a plain name or attribute
        ``x`` (anything else could run twice in the reader's mind, so it is left and listed)."""
        func = original_node.func
        if id(original_node) in self._guarded:
            return updated_node
        if not (isinstance(func, cst.Attribute) and func.attr.value == "pin_memory") or original_node.args:
            return updated_node
        if not isinstance(updated_node.func, cst.Attribute):
            return updated_node
        if not isinstance(func.value, cst.Name | cst.Attribute):
            return self._pin_expression(original_node, updated_node.func.value)
        self.record(original_node, f".pin_memory() -> pinned only if {self.target.pin_memory}")
        return cst.IfExp(
            test=self.build(str(self.target.pin_memory)),
            body=updated_node,
            orelse=updated_node.func.value,
            lpar=[cst.LeftParen()],
            rpar=[cst.RightParen()],
        )

    def _pin_expression(self, original: cst.Call, value: cst.BaseExpression) -> cst.BaseExpression:
        """``make().pin_memory()`` -> ``(lambda tensor: <tensor pinned if an accelerator is present>)(make())``:
        ``make()`` runs once, as before."""
        guard = self.state.render(str(self.target.pin_memory))
        self.need_imports(guard)
        self.record(original, f".pin_memory() -> pinned only if {self.target.pin_memory}")
        pinned = cst.parse_expression(f"(lambda tensor: tensor.pin_memory() if {guard} else tensor)(_)")
        assert isinstance(pinned, cst.Call)
        return pinned.with_changes(args=[cst.Arg(value=value)])


class AttributeRenameCommand(MigrationCommand):
    """``tensor.is_cuda`` -> the target's attribute (``tensor.is_npu``)."""

    DESCRIPTION = "CUDA tensor attributes -> the target's"
    REWRITE = "attribute-rename"

    def is_needed(self, code: str) -> bool:
        return any(name in code for name in self.target.attribute_renames)

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return bool(target.attribute_renames)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        old = original_node.attr.value
        if old not in self.target.attribute_renames or _is_module_attribute(self.names_of(original_node)):
            return updated_node
        new = self.target.attribute_renames[old]
        self.record(original_node, f".{old} -> .{new}")
        return updated_node.with_changes(attr=cst.Name(new))


class EnvironmentCommand(MigrationCommand):
    """``"CUDA_VISIBLE_DEVICES"`` -> the target's variable (``"ASCEND_RT_VISIBLE_DEVICES"``)."""

    DESCRIPTION = "CUDA environment variable names -> the target's"
    REWRITE = "environment"

    def is_needed(self, code: str) -> bool:
        return any(name in code for name in self.target.env_renames)

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return bool(target.env_renames)

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        value = string_value(original_node)
        if value is None or value not in self.target.env_renames:
            return updated_node
        new = self.target.env_renames[value]
        self.record(original_node, f"{value} -> {new}")
        return requote(updated_node, new)


def _is_module_attribute(names: set[str]) -> bool:
    """Whether an attribute belongs to an imported module (``torch.is_cuda``) rather than to a value."""
    return any(name.split(".")[0] in ("torch", "torch_npu") for name in names)
