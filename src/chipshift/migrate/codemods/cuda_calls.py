"""``torch.cuda.X(...)`` calls become the target's calls, guarded where they need an accelerator.

The table of what each function becomes is the target's ``calls`` data. ``guard: statement`` wraps the statement
in ``if <accelerator check>:``, ``guard: value`` gives ``default`` where no accelerator is present.
"""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, code_of
from chipshift.migrate.target import CallRule, Guard, Target


class CudaCallsCommand(MigrationCommand):
    """Rewrite ``torch.cuda`` function calls after the target's table."""

    DESCRIPTION = "torch.cuda.X() -> device-agnostic or guarded equivalents"
    REWRITE = "cuda-call"

    @classmethod
    def applies_to(cls, target: Target) -> bool:
        return bool(target.calls)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
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
