"""Device values that are built or carried rather than written as ``"cuda"``: indexed device strings, device
indexes, and device variables followed through the module.

- A CUDA device string built from an index, ``f"cuda:{i}"``, ``"cuda:{}".format(i)``, ``"cuda:%d" % i``,
  ``"cuda:" + str(i)`` (also as ``map_location``), becomes the target's, still a string: ``f"{device.type}:{i}"``
  (portable) or ``f"npu:{i}"`` (ascend).
- An integer device index (``model.to(self.gpu_id)``, ``x.to(args.gpu)``, ``device=local_rank``,
  ``torch.device(rank)``) means a CUDA device to PyTorch; it becomes ``torch.device(<device type>, index)``. An index
  is a name or attribute called like one (``gpu``, ``gpu_id``, ``local_rank``, ``rank``, ``device_id`` ...), or one
  the module sets to an integer (``gpu = int(...)``, ``self.gpu = 0``, ``add_argument("--gpu", type=int)``).
- A CUDA device string assigned to a variable that the module uses as a device (``dev = "cuda:0"`` ...
  ``model.to(dev)``), or whose name says it is one (``device = "cuda:1"``), becomes the target's device string.
- ``tensor.is_cuda`` becomes ``(tensor.device.type != "cpu")`` where the target has no attribute of its own: the
  ported program's accelerator is what the CUDA program's GPU was.
"""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import (
    CUDA_DEVICE,
    MigrationCommand,
    MigrationState,
    code_of,
    keyword_index,
    method_name,
    positional_index,
    string_value,
    with_arg_value,
)
from chipshift.multibackend import INDEXED_CUDA_TEMPLATE, INTEGER_DEVICE_NAME

INDEX_NAME = INTEGER_DEVICE_NAME
"""Names of integer device indexes, as training scripts call them (shared with scan's CS134)."""
DEVICE_KEYWORDS = frozenset({"device", "map_location", "output_device"})


class _ModuleFacts(cst.CSTVisitor):
    """Names the module sets to integers, and names it uses as devices."""

    def __init__(self) -> None:
        self.integers: set[str] = set()
        self.devices: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        if _is_integer(node.value):
            self.integers.update(_last_name(target.target) for target in node.targets)

    def visit_Call(self, node: cst.Call) -> None:
        if method_name(node) == "add_argument":
            self._argument(node)
        for argument in device_arguments(node):
            self.devices.add(_last_name(argument.value))

    def _argument(self, node: cst.Call) -> None:
        """``add_argument("--gpu", type=int)`` sets ``args.gpu`` to an integer."""
        kind = keyword_index(node, "type")
        first = positional_index(node, 0)
        if kind is None or first is None or code_of(node.args[kind].value) != "int":
            return
        flag = string_value(node.args[first].value) or ""
        self.integers.add(flag.lstrip("-").replace("-", "_"))


def device_arguments(call: cst.Call) -> list[cst.Arg]:
    """The arguments of ``call`` in a device position: ``.to(x)``, ``torch.device(x)`` (by its text), ``device=x``,
    ``map_location=x``."""
    found = [arg for arg in call.args if arg.keyword is not None and arg.keyword.value in DEVICE_KEYWORDS]
    first = positional_index(call, 0)
    if first is not None and (method_name(call) == "to" or code_of(call.func) == "torch.device"):
        found.append(call.args[first])
    return found


def _is_integer(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return True
    return isinstance(node, cst.Call) and code_of(node.func) == "int"


def _last_name(node: cst.BaseExpression) -> str:
    """``x`` for ``x``, ``gpu_id`` for ``self.gpu_id``, else empty."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def indexed_cuda_string(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The index of a CUDA device string built from one (``f"cuda:{i}"``, ``"cuda:{}".format(i)``, ``"cuda:%d" % i``,
    ``"cuda:" + str(i)``), else None."""
    if isinstance(node, cst.FormattedString) and len(node.parts) == 2:
        return _formatted_index(*node.parts)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        one = len(node.args) == 1 and not node.args[0].keyword and not node.args[0].star
        template = string_value(node.func.value) or ""
        return node.args[0].value if one and INDEXED_CUDA_TEMPLATE.fullmatch(template) and "{" in template else None
    if isinstance(node, cst.BinaryOperation):
        left = string_value(node.left) or ""
        if isinstance(node.operator, cst.Modulo) and INDEXED_CUDA_TEMPLATE.fullmatch(left) and "%" in left:
            return None if isinstance(node.right, cst.Tuple) else node.right
        if isinstance(node.operator, cst.Add) and left == "cuda:":
            right = node.right
            is_str = isinstance(right, cst.Call) and code_of(right.func) == "str" and len(right.args) == 1
            return right.args[0].value if is_str else right  # type: ignore[attr-defined]
    return None


def _formatted_index(
    text: cst.BaseFormattedStringContent, value: cst.BaseFormattedStringContent
) -> cst.BaseExpression | None:
    """``i`` for the parts of ``f"cuda:{i}"``."""
    if not isinstance(text, cst.FormattedStringText) or text.value != "cuda:":
        return None
    if isinstance(value, cst.FormattedStringExpression) and not value.conversion and not value.format_spec:
        return value.expression
    return None


class DeviceFlowCommand(MigrationCommand):
    """Indexed device strings, integer device indexes and device variables -> the target's device."""

    DESCRIPTION = "device strings built from an index, device indexes and device variables -> the target's device"
    REWRITE = "device-flow"
    TRIGGERS = ("cuda", ".to(", "device", "map_location")

    def __init__(self, state: MigrationState) -> None:
        super().__init__(state)
        self.facts = _ModuleFacts()
        self._assigned: set[int] = set()
        """Ids of ``x.is_cuda`` assigned to (left as they are)."""

    def visit_Module(self, node: cst.Module) -> None:
        node.visit(self.facts)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if (index := indexed_cuda_string(original_node)) is not None:
            return self._indexed_string(original_node, updated_node, index)
        call = updated_node
        for argument in device_arguments(original_node):
            if argument.keyword is not None and argument.keyword.value == "output_device":
                continue  # DistributedDataParallel's: the distributed rewrite guards it
            if self._is_index(argument.value):
                position = list(original_node.args).index(argument)
                new = self._indexed_device(argument.value)
                self.record(original_node, f"device index {code_of(argument.value)} -> {code_of(new)}")
                call = with_arg_value(call, position, new)
        if call is not updated_node and code_of(original_node.func) == "torch.device":
            return call.args[0].value  # torch.device(torch.device(type, i)) is torch.device(type, i)
        return self._map_location_on_cpu(original_node, call)

    def leave_FormattedString(
        self, original_node: cst.FormattedString, updated_node: cst.FormattedString
    ) -> cst.BaseExpression:
        index = indexed_cuda_string(original_node)
        return updated_node if index is None else self._indexed_string(original_node, updated_node, index)

    def leave_BinaryOperation(
        self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation
    ) -> cst.BaseExpression:
        index = indexed_cuda_string(original_node)
        return updated_node if index is None else self._indexed_string(original_node, updated_node, index)

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        """``dev = "cuda:1"`` where ``dev`` is used as a device (or named one) -> the target's device string."""
        match = CUDA_DEVICE.fullmatch(string_value(original_node.value) or "")
        if match is None or len(original_node.targets) != 1 or self.target.resolve_device is None:
            return updated_node
        name = _last_name(original_node.targets[0].target)
        flows = name in self.facts.devices or "device" in name.lower()
        if not flows or (match.group(1) is None and "device" in name.lower()):  # device = "cuda": device_strings
            return updated_node
        value = self._device_string(match.group(1))
        self.record(original_node, f"device variable {name} = {match.group(0)!r} -> {code_of(value)}")
        return updated_node.with_changes(value=value)

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        """``x.is_cuda`` -> ``(x.device.type != "cpu")`` where the target renames no attribute."""
        if original_node.attr.value != "is_cuda" or id(original_node) in self._assigned:
            return updated_node
        if "is_cuda" in self.target.attribute_renames:
            return updated_node
        if self.target.resolve_device is None or any(n.startswith("torch.") for n in self.names_of(original_node)):
            return updated_node
        self.record(original_node, '.is_cuda -> (.device.type != "cpu")')
        return cst.parse_expression(f'({code_of(updated_node.value)}.device.type != "cpu")')

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        """An assigned ``x.is_cuda = ...`` stays as it is."""
        self._assigned.add(id(node.target))

    def _map_location_on_cpu(self, original: cst.Call, call: cst.Call) -> cst.Call:
        """``torch.load`` cannot map to ``cpu:0``: an indexed ``map_location`` that was rewritten becomes
        ``(<it> if <device type> != "cpu" else "cpu")`` where the device type is only known when the code runs."""
        position = keyword_index(original, "map_location")
        if position is None or string_value(cst.parse_expression(self.state.render(self.target.device_type))):
            return call
        value = original.args[position].value
        match = CUDA_DEVICE.fullmatch(string_value(value) or "")
        indexed = indexed_cuda_string(value) is not None or self._is_index(value) or bool(match and match.group(1))
        new = call.args[position].value
        if not indexed or code_of(new) == code_of(value):
            return call
        guarded = f'({code_of(new)} if {self._device_type()} != "cpu" else "cpu")'
        return with_arg_value(call, position, cst.parse_expression(guarded))

    def _is_index(self, node: cst.BaseExpression) -> bool:
        name = _last_name(node)
        return bool(name) and (INDEX_NAME.fullmatch(name) is not None or name in self.facts.integers)

    def _device_type(self) -> str:
        """The code of the target's device type (``device.type``, ``"npu"``), with what it needs."""
        template = self.target.device_type
        if "{device}" in template:
            self.state.device_used = True
        text = self.state.render(template)
        self.need_imports(text)
        return text

    def _indexed_device(self, index: cst.BaseExpression) -> cst.BaseExpression:
        """``torch.device(<device type>, index)``."""
        self.need_imports("torch.device")
        return cst.parse_expression(f"torch.device({self._device_type()}, {code_of(index)})")

    def _device_string(self, index: str | None, quote: str = '"') -> cst.BaseExpression:
        """The target's device string for a CUDA one with the index ``index`` (code), as a string expression."""
        device_type = self._device_type()
        plain = string_value(cst.parse_expression(device_type))
        if index is None:
            return cst.parse_expression(device_type)
        if index.isdigit():  # "cuda:1" -> f"{device.type}:1"
            plain = f"{{{device_type}}}" if plain is None else plain
            return cst.parse_expression(
                f"f{quote}{plain}:{index}{quote}" if "{" in plain else f"{quote}{plain}:{index}{quote}"
            )
        if plain is not None:
            return cst.parse_expression(f"f{quote}{plain}:{{{index}}}{quote}")
        return cst.parse_expression(f"f{quote}{{{device_type}}}:{{{index}}}{quote}")

    def _indexed_string(
        self, original: cst.BaseExpression, updated: cst.BaseExpression, index: cst.BaseExpression
    ) -> cst.BaseExpression:
        code = code_of(index)
        quote = next((q for q in ('"', "'") if q not in code), None)
        if quote is None or "\\" in code:
            return updated
        new = self._device_string(code, quote)
        self.record(original, f"{code_of(original)} -> {code_of(new)}")
        return new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
