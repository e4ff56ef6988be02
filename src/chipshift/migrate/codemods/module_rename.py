"""Whole-module renames for vendor targets: ``torch.cuda.X`` becomes ``torch.npu.X``."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, MigrationState, code_of
from chipshift.migrate.target import MigrationTarget


class ModuleRenameCommand(MigrationCommand):
    """Rename uses and imports of a module after the target's ``module_renames``."""

    DESCRIPTION = "torch.cuda -> the vendor's module (torch.npu)"
    REWRITE = "module-rename"

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self._in_import = 0

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return bool(target.module_renames)

    def visit_Import(self, node: cst.Import) -> bool:
        self._in_import += 1
        return True

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        self._in_import -= 1
        names = [self._import_alias(alias) for alias in updated_node.names]
        return updated_node.with_changes(names=names)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        self._in_import += 1
        return True

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        self._in_import -= 1
        if updated_node.module is None or updated_node.relative:
            return updated_node
        renamed = self._renamed(code_of(updated_node.module))
        if renamed is None:
            return updated_node
        self.record(original_node, f"from {code_of(updated_node.module)} -> from {renamed}")
        self.need_imports(renamed + ".")
        return updated_node.with_changes(module=cst.parse_expression(renamed))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        return self._rename_use(original_node, updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._rename_use(original_node, updated_node)

    def _rename_use(self, original: cst.Attribute | cst.Name, updated: cst.BaseExpression) -> cst.BaseExpression:
        if self._in_import:
            return updated
        name = self.refers_to(original, self.target.module_renames)
        if name is None:
            return updated
        new = self.target.module_renames[name]
        self.record(original, f"{name} -> {new}")
        self.need_imports(new + ".")
        return cst.parse_expression(new).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def _import_alias(self, alias: cst.ImportAlias) -> cst.ImportAlias:
        renamed = self._renamed(code_of(alias.name))
        if renamed is None or alias.asname is None:
            return alias
        self.need_imports(renamed + ".")
        return alias.with_changes(name=cst.parse_expression(renamed))

    def _renamed(self, module: str) -> str | None:
        """``module`` under its new name where it or a parent is renamed."""
        for old, new in self.target.module_renames.items():
            if module == old or module.startswith(old + "."):
                return new + module[len(old) :]
        return None
