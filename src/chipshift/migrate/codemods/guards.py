"""Statements that only mean something on CUDA (``torch.backends.cudnn.*``) are guarded by the target's condition."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, MigrationState, code_of
from chipshift.migrate.target import MigrationTarget

GUARDED_PREFIXES = ("torch.backends.cudnn.", "torch.backends.cuda.")


class CudnnGuardCommand(MigrationCommand):
    """Wrap cuDNN / CUDA backend settings in ``if <device is CUDA>:``."""

    DESCRIPTION = "torch.backends.cudnn settings -> guarded by the device type"
    REWRITE = "cudnn-guard"
    TRIGGERS = ("cudnn", "cuda")

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self._guard_depth = 0

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return target.cudnn_guard is not None

    def visit_If(self, node: cst.If) -> bool:
        if self._is_guard(node.test):
            self._guard_depth += 1
        return True

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.BaseStatement:
        if self._is_guard(original_node.test):
            self._guard_depth -= 1
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        if self._guard_depth or len(original_node.body) != 1 or not self._touches_cuda_backend(original_node.body[0]):
            return updated_node
        self.record(original_node, f"guarded: {code_of(original_node.body[0])}")
        inner = updated_node.with_changes(leading_lines=[])
        return cst.If(
            test=self.build(str(self.target.cudnn_guard)),
            body=cst.IndentedBlock(body=[inner]),
            leading_lines=updated_node.leading_lines,
        )

    def _is_guard(self, test: cst.BaseExpression) -> bool:
        return code_of(test) == self.state.render(str(self.target.cudnn_guard))

    def _touches_cuda_backend(self, statement: cst.BaseSmallStatement) -> bool:
        """An assignment to or a call of ``torch.backends.cudnn.X``."""
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            node: cst.CSTNode = statement.targets[0].target
        elif isinstance(statement, cst.AugAssign):
            node = statement.target
        elif isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
            node = statement.value.func
        else:
            return False
        return any(name.startswith(GUARDED_PREFIXES) for name in self.names_of(node))
