"""``"cuda"`` device literals become the target's device: the resolved device (portable) or ``"npu"``.

Portable rewrites only literals in device positions (``device=``, ``map_location=``, ``.to("cuda")``,
``torch.device("cuda")``, the device type of autocast and GradScaler, ``device = "cuda"`` settings and the
``"cuda" if torch.cuda.is_available() else "cpu"`` idiom). Vendor targets rename every ``"cuda"`` literal, as
their whole program moves to the vendor's device.
"""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import (
    MigrationCommand,
    code_of,
    cuda_device_match,
    keyword_index,
    method_name,
    positional_index,
    requote,
    string_value,
    with_arg_value,
)

DEVICE_KEYWORDS = frozenset({"device", "map_location", "output_device"})
TYPE_KEYWORDS = frozenset({"device_type"})
TYPE_FIRST_CALLS = ("torch.autocast", "torch.amp.autocast", "torch.amp.GradScaler", "torch.GradScaler")
AVAILABILITY = ("torch.cuda.is_available",)


class DeviceStringCommand(MigrationCommand):
    """Rewrite ``"cuda"`` device literals."""

    DESCRIPTION = '"cuda" device literals -> the target device'
    REWRITE = "device-string"

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        if self._renames_all() and (match := cuda_device_match(original_node)):
            template = self.target.device if match.group(1) is None else self.target.device_with_index
            new = self.build(template, index=match.group(1) or "")
            if isinstance(new, cst.SimpleString) and (value := string_value(new)) is not None:
                self.record(original_node, f"{original_node.value} -> {new.value}")
                return requote(updated_node, value)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self._renames_all():
            return updated_node
        if self.refers_to(original_node.func, ("torch.device",)):
            return self._torch_device(original_node, updated_node)
        call = self._keywords(original_node, updated_node)
        first = positional_index(original_node, 0)
        if first is None:
            return call
        if method_name(original_node) == "to":
            return self._replace(original_node, call, first, self.target.device, self.target.device_with_index)
        if self.refers_to(original_node.func, TYPE_FIRST_CALLS):
            return self._replace(original_node, call, first, self.target.device_type, None)
        if method_name(original_node) == "add_argument":
            return self._argparse_default(original_node, call)
        return call

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        """``"cuda" if torch.cuda.is_available() else "cpu"`` -> the device type."""
        if self._renames_all() or string_value(original_node.body) != "cuda":
            return updated_node
        test = original_node.test
        if not (isinstance(test, cst.Call) and self.refers_to(test.func, AVAILABILITY)):
            return updated_node
        self.record(original_node, f"'cuda' if ... else 'cpu' -> {self.state.render(self.target.device_type)}")
        return self.build(self.target.device_type).with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        """``device = "cuda"`` -> ``device = <device type>`` (keeps a string where a string was)."""
        if self._renames_all() or string_value(original_node.value) != "cuda" or len(original_node.targets) != 1:
            return updated_node
        if "device" not in _target_name(original_node.targets[0].target):
            return updated_node
        self.record(original_node, f"device setting 'cuda' -> {self.state.render(self.target.device_type)}")
        return updated_node.with_changes(value=self.build(self.target.device_type))

    def leave_Param(self, original_node: cst.Param, updated_node: cst.Param) -> cst.Param:
        """``def f(device="cuda")`` -> the device type as default."""
        if self._renames_all() or original_node.default is None or "device" not in original_node.name.value:
            return updated_node
        if string_value(original_node.default) != "cuda":
            return updated_node
        self.record(original_node, "default device 'cuda' -> device type")
        return updated_node.with_changes(default=self.build(self.target.device_type))

    def _renames_all(self) -> bool:
        """Vendor targets rename every literal: their device strings are plain strings."""
        return self.target.resolve_device is None

    def _keywords(self, original: cst.Call, call: cst.Call) -> cst.Call:
        for index, arg in enumerate(original.args):
            name = arg.keyword.value if arg.keyword is not None else ""
            if name in DEVICE_KEYWORDS:
                call = self._replace(original, call, index, self.target.device, self.target.device_with_index)
            elif name in TYPE_KEYWORDS:
                call = self._replace(original, call, index, self.target.device_type, None)
        return call

    def _replace(self, original: cst.Call, call: cst.Call, index: int, plain: str, indexed: str | None) -> cst.Call:
        """``call`` with argument ``index`` rewritten if it is a CUDA device literal."""
        match = cuda_device_match(original.args[index].value)
        if match is None or (match.group(1) is not None and indexed is None):
            return call
        template = plain if match.group(1) is None else str(indexed)
        new = self.build(template, index=match.group(1) or "")
        self.record(original, f"{match.group(0)!r} -> {self.state.render(template, index=match.group(1) or '')}")
        return with_arg_value(call, index, new)

    def _torch_device(self, original: cst.Call, call: cst.Call) -> cst.BaseExpression:
        """``torch.device("cuda")`` -> the device; ``torch.device("cuda", i)`` -> the device type and ``i``."""
        first = positional_index(original, 0)
        if first is None or (match := cuda_device_match(original.args[first].value)) is None:
            return call
        if len(original.args) > 1:
            return self._replace(original, call, first, self.target.device_type, None)
        template = self.target.device if match.group(1) is None else self.target.device_with_index
        new = self.build(template, index=match.group(1) or "")
        self.record(original, f"torch.device({match.group(0)!r}) -> {code_of(new)}")
        if isinstance(new, cst.SimpleString):
            return with_arg_value(call, first, new)
        return new

    def _argparse_default(self, original: cst.Call, call: cst.Call) -> cst.Call:
        """``add_argument("--device", default="cuda")`` -> the device type as default."""
        first = positional_index(original, 0)
        default = keyword_index(original, "default")
        if first is None or default is None or "device" not in (string_value(original.args[first].value) or ""):
            return call
        return self._replace(original, call, default, self.target.device_type, None)


def _target_name(node: cst.BaseExpression) -> str:
    """Name assigned to: ``x`` for ``x = ...``, ``attr`` for ``obj.attr = ...``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""
