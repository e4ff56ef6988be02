"""``torch.cuda.X(...)`` calls become the target's calls, guarded where they need an accelerator.

The table of what each function becomes is the target's ``calls`` data. ``guard: statement`` wraps the statement
in ``if <accelerator check>:``, ``guard: value`` gives ``default`` where no accelerator is present.

``torch.cuda.is_available() and torch.cuda.is_bf16_supported()``: when an ``and`` chain also calls CUDA code this
target leaves as it is, the availability check becomes the target's CUDA check (``accel_device.type == "cuda"``)
rather than ``torch.accelerator.is_available()``; otherwise the CUDA-only call would run on every accelerator.
Likewise ``if torch.cuda.is_available(): return torch.device(f"cuda:{i}")``: when the branch still holds CUDA
code after the rewrites, its condition becomes the CUDA check, so other accelerators keep the original's fallback.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypeVar

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, MigrationState, code_of
from chipshift.migrate.codemods.device_strings import AVAILABILITY
from chipshift.migrate.target import CallRule, Guard, MigrationTarget


class CudaCallsCommand(MigrationCommand):
    """Rewrite ``torch.cuda`` function calls after the target's table."""

    DESCRIPTION = "torch.cuda.X() -> device-agnostic or guarded equivalents"
    REWRITE = "cuda-call"

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self._cuda_checks: set[int] = set()
        """Ids of ``torch.cuda.is_available()`` calls that guard CUDA code left in the same ``and`` chain."""

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return bool(target.calls)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> bool:
        if not isinstance(node.operator, cst.And) or self.target.cudnn_guard is None:
            return True
        operands = list(_and_operands(node))
        if any(self._keeps_cuda(operand) for operand in operands):
            self._cuda_checks.update(
                id(op) for op in operands if isinstance(op, cst.Call) and self.refers_to(op.func, AVAILABILITY)
            )
        return True

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.BaseStatement:
        return self._cuda_branch(original_node, updated_node)

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        return self._cuda_branch(original_node, updated_node)

    def _cuda_branch(self, original: _Branch, updated: _Branch) -> _Branch:
        """``if torch.cuda.is_available():`` over a branch that still holds CUDA code keeps a CUDA check."""
        test = original.test
        guard = self.target.cudnn_guard
        if guard is None or not (isinstance(test, cst.Call) and self.refers_to(test.func, AVAILABILITY)):
            return updated
        if not _still_cuda(updated.body):
            return updated
        check = self.build(guard)
        line = self.line_of(test)
        self.state.changes[:] = [
            c for c in self.state.changes if not (c.line == line and c.description.startswith(_AVAILABLE_RENAMED))
        ]
        self.record(test, f"torch.cuda.is_available() -> {code_of(check)} (the branch keeps CUDA-only code)")
        return updated.with_changes(test=check)

    def _keeps_cuda(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` uses a ``torch.cuda`` function this target has no rewrite for."""
        for child in _walk(node):
            if isinstance(child, cst.Attribute | cst.Name):
                names = self.names_of(child)
                if any(n.startswith("torch.cuda.") and n.count(".") == 2 and n not in self.target.calls for n in names):
                    return True
        return False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if id(original_node) in self._cuda_checks and self.target.cudnn_guard is not None:
            check = self.build(self.target.cudnn_guard)
            self.record(
                original_node, f"torch.cuda.is_available() -> {code_of(check)} (guards CUDA-only code beside it)"
            )
            return check
        found = self._rule(original_node)
        if found is None or found[1].guard is Guard.STATEMENT:
            return updated_node
        name, rule = found
        new_call = self._renamed(name, rule, original_node, updated_node)
        if rule.guard is Guard.NONE:
            return new_call
        check = self.build(self.target.accelerator_check)
        default = self.build(str(rule.default))
        paren = [cst.LeftParen()], [cst.RightParen()]
        return cst.IfExp(test=check, body=new_call, orelse=default, lpar=paren[0], rpar=paren[1])

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        """A statement-guarded call standing alone on its line is wrapped in an accelerator check."""
        if len(original_node.body) != 1 or not isinstance(original_node.body[0], cst.Expr):
            return updated_node
        call = original_node.body[0].value
        new_expr = updated_node.body[0]
        if not isinstance(call, cst.Call) or not isinstance(new_expr, cst.Expr):
            return updated_node
        found = self._rule(call)
        if found is None or found[1].guard is not Guard.STATEMENT or not isinstance(new_expr.value, cst.Call):
            return updated_node
        name, rule = found
        new_call = self._renamed(name, rule, call, new_expr.value)
        inner = updated_node.with_changes(body=[new_expr.with_changes(value=new_call)], leading_lines=[])
        return cst.If(
            test=self.build(self.target.accelerator_check),
            body=cst.IndentedBlock(body=[inner]),
            leading_lines=updated_node.leading_lines,
        )

    def _rule(self, call: cst.Call) -> tuple[str, CallRule] | None:
        name = self.refers_to(call.func, self.target.calls)
        return None if name is None else (name, self.target.calls[name])

    def _renamed(self, name: str, rule: CallRule, original: cst.Call, call: cst.Call) -> cst.Call:
        func = self.build(rule.to)
        self.record(original, f"{name}() -> {code_of(func)}()")
        if isinstance(original.func, cst.Name):
            self.forget_import(name)
        return call.with_changes(func=func)


_AVAILABLE_RENAMED = "torch.cuda.is_available() -> torch.accelerator"
"""The record of the plain rename, replaced when the branch keeps a CUDA check instead."""


def _and_operands(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """Operands of a chain of ``and`` (libcst nests ``a and b and c`` to the left)."""
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.And) and not node.lpar:
        yield from _and_operands(node.left)
        yield from _and_operands(node.right)
    else:
        yield node


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from _walk(child)


_Branch = TypeVar("_Branch", cst.If, cst.IfExp)


def _still_cuda(node: cst.CSTNode) -> bool:
    """Whether rewritten code still names CUDA: ``torch.cuda.X``, or ``"cuda"`` in a string or an f-string."""
    for child in _walk(node):
        if isinstance(child, cst.Attribute) and code_of(child).startswith("torch.cuda."):
            return True
        if isinstance(child, cst.SimpleString | cst.FormattedStringText) and "cuda" in child.value:
            return True
    return False
