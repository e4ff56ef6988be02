"""Distributed setup: the ``nccl`` backend becomes the target's, DDP ``device_ids`` are kept only on accelerators."""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import (
    MigrationCommand,
    code_of,
    keyword_index,
    positional_index,
    string_value,
    with_arg_value,
)

PROCESS_GROUP_CALLS = ("torch.distributed.init_process_group", "torch.distributed.new_group")
DDP = ("torch.nn.parallel.DistributedDataParallel", "torch.nn.parallel.distributed.DistributedDataParallel")
DEVICE_LIST_KEYWORDS = ("device_ids", "output_device")


class DistributedCommand(MigrationCommand):
    """Rewrite the collective backend and DDP's device arguments."""

    DESCRIPTION = 'init_process_group("nccl") -> the backend of the target device'
    REWRITE = "distributed"
    TRIGGERS = ("nccl", "NCCL", "device_ids", "output_device")

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.refers_to(original_node.func, PROCESS_GROUP_CALLS):
            return self._backend(original_node, updated_node)
        if self.refers_to(original_node.func, DDP) and self.target.distributed_device_ids_guard:
            return self._device_ids(original_node, updated_node)
        return updated_node

    def _backend(self, original: cst.Call, call: cst.Call) -> cst.Call:
        index = keyword_index(original, "backend")
        if index is None and self.refers_to(original.func, PROCESS_GROUP_CALLS[:1]):
            index = positional_index(original, 0)
        if index is None or string_value(original.args[index].value) not in ("nccl", "NCCL"):
            return call
        new = self.build(self.target.backend)
        self.record(original, f"backend 'nccl' -> {code_of(new)}")
        return with_arg_value(call, index, new)

    def _device_ids(self, original: cst.Call, call: cst.Call) -> cst.Call:
        for keyword in DEVICE_LIST_KEYWORDS:
            index = keyword_index(original, keyword)
            if index is None or isinstance(original.args[index].value, cst.IfExp):
                continue
            value = original.args[index].value
            if isinstance(value, cst.Name) and value.value == "None":
                continue
            guard = self.state.render(str(self.target.distributed_device_ids_guard))
            self.state.device_used = True
            new = cst.parse_expression(f"{code_of(call.args[index].value)} if {guard} else None")
            self.record(original, f"DDP {keyword} kept only where {guard}")
            call = with_arg_value(call, index, new)
        return call
