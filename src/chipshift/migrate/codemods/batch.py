"""Runs several rewrites in one pass over the tree, each still its own transformer.

Every rewrite is called on each node in turn, with the original node (for metadata) and the node as the rewrites
before it left it; when one of them changes the kind of node (a call that became a conditional expression), the
rest leave it alone. Metadata is computed once for the batch instead of once per rewrite.

For targets that resolve one device (portable), the body of ``if <x>.type == "cuda":`` is left as it is: it runs
only on CUDA, so ``torch.autocast(device_type="cuda")`` there is right as written (kornia's per-device branches).
Code that already handles several backends (:mod:`chipshift.multibackend.regions`: multi-backend literals and
conditions, dispatches over backends, backend-specific implementations in library mode) is left as it is for every
target: no rewrite sees it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper

from chipshift.migrate.codemods.base import MigrationCommand, code_of, kept_cuda_body
from chipshift.migrate.target import MigrationTarget


class RewriteBatch(cst.CSTTransformer):
    """The rewrites of one target, applied together."""

    def __init__(self, rewrites: Sequence[MigrationCommand], target: MigrationTarget) -> None:
        super().__init__()
        self.rewrites = list(rewrites)
        self.target = target
        self._kept: set[int] = set()
        """Ids of guarded bodies not to descend into."""
        self.context = CodemodContext()
        self._fstrings: list[tuple[int, str]] = []
        """The f-strings being visited (id, closing quote): code written inside one must not hold its quote."""
        for rewrite in self.rewrites:
            rewrite.context = self.context

    def transform_module(self, module: cst.Module) -> cst.Module:
        """The module after every rewrite, with imports added and freed as they asked."""
        if not self.rewrites:
            return module
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        with ExitStack() as stack:
            for rewrite in self.rewrites:
                stack.enter_context(rewrite.resolve(wrapper))
            module = wrapper.module.visit(self)
        if AddImportsVisitor.CONTEXT_KEY in self.context.scratch:
            module = AddImportsVisitor(self.context).transform_module(module)
        if RemoveImportsVisitor.CONTEXT_KEY in self.context.scratch:
            module = RemoveImportsVisitor(self.context).transform_module(module)
        return module

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self._kept:
            return False
        if self.rewrites[0].is_kept(node):
            self._kept.add(id(node))
            return False
        if (body := kept_cuda_body(node, self.target)) is not None:
            self._kept.add(id(body))
        if isinstance(node, cst.FormattedString):
            self._fstrings.append((id(node), node.end))
        for rewrite in self.rewrites:
            rewrite.current = node
            rewrite.on_visit(node)
        return True

    def on_leave(  # type: ignore[override]
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]:
        result: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode] = updated_node
        if self._fstrings and self._fstrings[-1][0] == id(original_node):
            self._fstrings.pop()
        if id(original_node) in self._kept:
            return result
        state = self.rewrites[0].state
        recorded, device_used = len(state.changes), state.device_used
        for rewrite in self.rewrites:
            if type(result) is not type(original_node):
                break
            rewrite.current = original_node
            result = rewrite.on_leave(original_node, result)
        if result is not updated_node and not self._fits_fstring(result):
            del state.changes[recorded:]  # left as it was: the summary lists it if it is CUDA code
            state.device_used = device_used
            return updated_node
        return result

    def _fits_fstring(self, node: cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]) -> bool:
        """Whether ``node`` can stand inside the f-strings around it (Python 3.11: no quote of theirs in it)."""
        if not self._fstrings or not isinstance(node, cst.CSTNode):
            return True
        code = code_of(node)
        return "\\" not in code and not any(quote in code for _, quote in self._fstrings)
