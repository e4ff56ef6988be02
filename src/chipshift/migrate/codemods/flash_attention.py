"""``flash_attn_func(q, k, v, ...)`` becomes the target's fused attention where the signature allows it.

For Ascend, in the form of Ascend's documentation and ports::

    torch_npu.npu_fusion_attention(q, k, v, q.shape[2], "BSND", scale=..., keep_prob=1.0 - p, ...)[0]

flash_attn's q, k, v are (batch, sequence, heads, head dim), which is the ``BSND`` layout. A causal call passes the
2048 x 2048 upper-triangular mask with ``sparse_mode=3`` (causal aligned to the bottom right, as flash_attn >= 2.1
does). Calls with arguments that have no counterpart (ALiBi slopes, sliding windows, returned attention
probabilities, a causal flag that is not a literal, a query that is not a plain name) are left and listed.
"""

from __future__ import annotations

import libcst as cst

from chipshift.migrate.codemods.base import MigrationCommand, code_of
from chipshift.migrate.outcome import ManualItem
from chipshift.migrate.target import FlashAttentionRule, MigrationTarget

FLASH_ATTN_FUNC = ("flash_attn.flash_attn_func", "flash_attn.flash_attn_interface.flash_attn_func")
PARAMETERS = ("q", "k", "v", "dropout_p", "softmax_scale", "causal")
HARMLESS = {"deterministic": None, "window_size": "(-1, -1)", "alibi_slopes": "None", "return_attn_probs": "False"}
"""Other keywords accepted only with these values (None: any value)."""


class FlashAttentionCommand(MigrationCommand):
    """Map ``flash_attn_func`` onto the target's fused attention."""

    DESCRIPTION = "flash_attn_func -> the target's fused attention (torch_npu.npu_fusion_attention)"
    REWRITE = "flash-attention"
    TRIGGERS = ("flash_attn",)

    @classmethod
    def applies_to(cls, target: MigrationTarget) -> bool:
        return target.flash_attention is not None

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        name = self.refers_to(original_node.func, FLASH_ATTN_FUNC)
        rule = self.target.flash_attention
        if name is None or rule is None:
            return updated_node
        arguments, problem = _arguments(updated_node)
        if problem is None and not isinstance(arguments["q"], cst.Name | cst.Attribute):
            problem = "the query is an expression; bind it to a name first"
        if problem is not None:
            self.state.manual.append(ManualItem(self.line_of(original_node), "flash_attn_func(...)", problem))
            return updated_node
        new = self.build(_fused_call(rule, arguments))
        self.record(original_node, f"flash_attn_func -> {rule.function}")
        if isinstance(original_node.func, cst.Name):
            self.forget_import(name)
        return new


def _arguments(call: cst.Call) -> tuple[dict[str, cst.BaseExpression], str | None]:
    """flash_attn_func's arguments by parameter name, or why they cannot be mapped."""
    found: dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return found, "arguments passed with * or **"
        key = arg.keyword.value if arg.keyword is not None else (PARAMETERS[index] if index < len(PARAMETERS) else "")
        if key in PARAMETERS:
            found[key] = arg.value
        elif key in HARMLESS and HARMLESS[key] in (None, code_of(arg.value)):
            continue
        else:
            return found, f"argument {key or index} has no counterpart in the fused attention"
    if not {"q", "k", "v"} <= found.keys():
        return found, "q, k and v are not all given"
    causal = code_of(found["causal"]) if "causal" in found else "False"
    if causal not in ("True", "False"):
        return found, "causal is not a literal True/False: the mask and sparse mode depend on it"
    return found, None


def _fused_call(rule: FlashAttentionRule, arguments: dict[str, cst.BaseExpression]) -> str:
    """Source of the fused attention call for these arguments."""
    q, k, v = (code_of(arguments[name]) for name in ("q", "k", "v"))
    parts = [q, k, v, f"{q}.shape[2]", f'"{rule.layout}"']
    if "causal" in arguments and code_of(arguments["causal"]) == "True":
        parts.append(f"atten_mask={rule.causal_mask.format(q=q, device='{device}')}")
    scale = code_of(arguments["softmax_scale"]) if "softmax_scale" in arguments else "None"
    parts.append(f"scale={q}.shape[-1] ** -0.5" if scale == "None" else f"scale={scale}")
    if "dropout_p" in arguments and code_of(arguments["dropout_p"]) not in ("0", "0.0"):
        parts.append(f"keep_prob=1.0 - {code_of(arguments['dropout_p'])}")
    if "causal" in arguments and code_of(arguments["causal"]) == "True":
        parts.append(f"sparse_mode={rule.causal_sparse_mode}")
    return f"{rule.function}({', '.join(parts)})[0]"
