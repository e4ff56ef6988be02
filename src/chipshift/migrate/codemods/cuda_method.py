"""``x.cuda()`` becomes ``x.to(device)`` (portable) or ``x.npu()`` (a vendor target)."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, code_of, keyword_index, method_name, positional_index


class CudaMethodCommand(MigrationCommand):
    """Rewrite the ``.cuda()`` method of tensors and modules."""

    DESCRIPTION = "x.cuda() -> x.to(device) or the target's own method"
    REWRITE = "cuda-method"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if method_name(original_node) != "cuda" or self.names_of(original_node.func) & {"torch.cuda"}:
            return updated_node
        if any(arg.star for arg in original_node.args):
            return updated_node
        method = self.target.cuda_method
        if method != "to":
            self.record(original_node, f".cuda() -> .{method}()")
            return updated_node.with_changes(func=_rename(updated_node.func, method))
        new_call = self._to_device(updated_node)
        if new_call is None:
            return updated_node
        self.record(original_node, f".cuda() -> .to({code_of(new_call.args[0].value)})")
        return new_call

    def _to_device(self, call: cst.Call) -> cst.Call | None:
        """``call.to(device)``, with an index argument kept as ``torch.device(type, index)``."""
        index = positional_index(call, 0)
        if index is None:
            index = keyword_index(call, "device")
        args = list(call.args)
        if index is None:
            device = self.build(self.target.device)
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if args else cst.MaybeSentinel.DEFAULT
            args.insert(0, cst.Arg(value=device, comma=comma))
        else:
            device = self.build(self.target.device_with_index, index=code_of(args[index].value))
            moved = args.pop(index)
            args.insert(0, cst.Arg(value=device, comma=moved.comma if args else cst.MaybeSentinel.DEFAULT))
        if len(args) > 1 and args[0].comma is cst.MaybeSentinel.DEFAULT:
            args[0] = args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(func=_rename(call.func, "to"), args=args)


def _rename(func: cst.BaseExpression, name: str) -> cst.BaseExpression:
    """A method access with another method name."""
    assert isinstance(func, cst.Attribute)
    return func.with_changes(attr=cst.Name(name))
