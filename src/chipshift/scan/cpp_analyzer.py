"""CUDA C/C++ analysis through tree-sitter (the ``tree_sitter_cuda`` and ``tree_sitter_cpp`` grammar wheels).

No compiler, CUDA install or compilation database is needed: tree-sitter parses what it can and marks the rest as
error nodes, so a missing header or an unknown macro never stops the analysis.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from chipshift.multibackend import backend_of_path_part
from chipshift.scan.finding import Finding
from chipshift.scan.rules import Rule

_SNIPPET_CHARS = 200
_QUALIFIERS = frozenset({"__global__", "__device__", "__host__", "__shared__", "__constant__", "__managed__",
                         "__launch_bounds__", "__forceinline__", "__noinline__"})  # fmt: skip


@functools.cache
def _parser(grammar: str) -> Any:
    import tree_sitter_cpp
    import tree_sitter_cuda
    from tree_sitter import Language, Parser

    module = tree_sitter_cuda if grammar == "cuda" else tree_sitter_cpp
    return Parser(Language(module.language()))


@dataclass(frozen=True)
class CppRules:
    """The C/C++ rules, grouped by what they look at."""

    by_kind: dict[str, tuple[tuple[str, Rule], ...]]
    """Matcher kind -> (pattern, rule), most specific first."""
    by_id: dict[str, Rule] = field(default_factory=dict)
    """Rules by id (the HIP rule a CUDA rule names)."""

    @classmethod
    def build(cls, rules: list[Rule]) -> CppRules:
        """Index the C/C++ rules of ``rules``."""
        by_kind: dict[str, list[tuple[str, Rule]]] = {}
        for rule in rules:
            kind = rule.match.kind
            if not kind.startswith("cpp_"):
                continue
            value = getattr(rule.match, kind)
            patterns = value if isinstance(value, list) else [rule.match.isa if kind == "cpp_asm" else "*"]
            by_kind.setdefault(kind, []).extend((p, rule) for p in patterns)
        ordered = {k: tuple(sorted(v, key=lambda pr: -len(pr[0].replace("*", "")))) for k, v in by_kind.items()}
        return cls(ordered, {rule.id: rule for rule in rules})

    def in_hip(self, rule: Rule) -> Rule:
        """The rule that reports ``rule``'s construct in HIP code (itself where it names none)."""
        return self.by_id.get(rule.hip, rule) if rule.hip else rule

    def best(self, kind: str, name: str) -> Rule | None:
        """The most specific rule of ``kind`` matching ``name``."""
        for pattern, rule in self.by_kind.get(kind, ()):
            if fnmatchcase(name, pattern):
                return rule
        return None


def grammar_for(suffix: str, data: bytes) -> str:
    """``cuda`` for .cu/.cuh/.hip and for C++ that uses CUDA syntax; ``cpp`` otherwise."""
    if suffix in (".cu", ".cuh", ".hip") or b"<<<" in data or b"__global__" in data or b"__device__" in data:
        return "cuda"
    return "cpp"


_HIP_CONDITION = re.compile(
    r"__HIP_PLATFORM_(?:AMD|HCC)__|\bUSE_ROCM\b|__HIPCC__|\b__HIP__\b|__HIP_DEVICE_COMPILE__|\bROCM_VERSION\b|__gfx"
)
"""A preprocessor condition that selects HIP (``#ifdef __HIP_PLATFORM_AMD__``, ``#if defined(USE_ROCM)``)."""
_HIP_FILE_MARKER = re.compile(
    rb"hipLaunchKernelGGL|(?<![\w])(?:ck|ck_tile)::|namespace[ \t]+(?:ck|ck_tile)\b|[<\"](?:ck|ck_tile)/"
)
"""A launch or a use of AMD's Composable Kernel that makes a whole file HIP (``ck_tile::index_t``, not ``Block::``)."""
_BARRIER_ASM = re.compile(r'[A-Za-z_ ]+\(\s*""\s*[:)]')
"""An ``asm`` statement whose template is empty (``__asm__ __volatile__("")``, ``asm volatile("" ::: "memory")``)."""
_GCN_ASM = re.compile(r"(?:^|[\s\";{(])(?:v|s|ds|buffer|global|flat|scratch)_[a-z][a-z0-9_]*")
"""An AMD GCN/CDNA instruction (``v_add_f32``, ``s_waitcnt``, ``ds_bpermute_b32``); PTX spells them with dots."""


def is_hip_source(relative_path: str, data: bytes) -> bool:
    """Whether a C/C++ file is HIP as a whole: a ``.hip`` file, one whose path names AMD or ROCm (flash-attn's
    ``csrc/flash_attn_ck/``), or one that launches with ``hipLaunchKernelGGL``, uses Composable Kernel or includes
    ``hip/hip_runtime.h`` without a CUDA/HIP switch."""
    parts = relative_path.replace("\\", "/").split("/")
    if relative_path.lower().endswith(".hip") or any(backend_of_path_part(p) == "rocm" for p in parts[:-1]):
        return True
    if _HIP_FILE_MARKER.search(data):
        return True
    return b"hip/hip_runtime" in data and b"__HIP_PLATFORM" not in data and b"USE_ROCM" not in data


_ASCEND_C_INCLUDE = re.compile(
    rb"^[ \t]*#[ \t]*include[ \t]*[<\"](?:kernel_operator|lib/matmul_intf)\.h[>\"]", re.MULTILINE
)
"""An include of Ascend C's kernel headers."""
_ASCEND_C_MARKER = re.compile(rb"\b__aicore__\b|(?<![\w])AscendC::")
"""The AI Core qualifier or the Ascend C namespace, in code (comments and strings removed first)."""
_COMMENT_OR_STRING = re.compile(rb'//[^\n]*|/\*.*?(?:\*/|\Z)|"(?:\\.|[^"\\\n])*"', re.DOTALL)
"""Comments and string literals (an unterminated comment runs to the end: linear on hostile input)."""
_CUDA_CALL = re.compile(rb"\bcuda[A-Z]\w*\s*\(")
_CUDA_INCLUDE = re.compile(rb"^[ \t]*#[ \t]*include[ \t]*[<\"](?:cuda|cub|cublas|cudnn|nccl)\w*(?:/\w+)*\.c?u?h", re.M)
"""A CUDA runtime call in code, or a CUDA header included: a file with one is CUDA, whatever else it holds."""
ASCEND_OPERATOR_FOLDERS = frozenset({"op_kernel", "op_host"})
"""The folders of an Ascend C operator project (``msopgen``'s layout): device kernels and host tiling code."""


def in_ascend_c_folder(relative_path: str) -> bool:
    """Whether a C/C++ file lies in an Ascend C operator project's ``op_kernel/`` or ``op_host/`` folder or in a
    folder naming Ascend (``npu/``, ``ascend/``)."""
    folders = relative_path.replace("\\", "/").split("/")[:-1]
    return any(part in ASCEND_OPERATOR_FOLDERS or backend_of_path_part(part) == "npu" for part in folders)


def is_ascend_c_source(relative_path: str, data: bytes) -> bool:
    """Whether a C/C++ file (never ``.cu``/``.cuh``) is Ascend C, the Ascend backend's own code (vllm-ascend's
    ``csrc/``): it includes ``kernel_operator.h``, or uses ``__aicore__`` or ``AscendC::`` in code, or lies in an
    Ascend C folder (:func:`in_ascend_c_folder`), and calls no CUDA runtime API and includes no CUDA header. Its
    ``__global__``, ``<<<...>>>`` launches and ``blockIdx`` are Ascend's, not CUDA's."""
    if relative_path.lower().endswith((".cu", ".cuh")):
        return False
    folder = in_ascend_c_folder(relative_path)
    if not folder and not any(marker in data for marker in (b"__aicore__", b"AscendC::", b"kernel_operator.h")):
        return False
    code = _COMMENT_OR_STRING.sub(b"", data)
    if _CUDA_CALL.search(code) or _CUDA_INCLUDE.search(data):
        return False
    if folder or _ASCEND_C_INCLUDE.search(data):
        return True
    return bool(_ASCEND_C_MARKER.search(code))


def analyze_cpp(data: bytes, path: str, rules: CppRules, grammar: str, *, hip: bool = False) -> list[Finding]:
    """Findings in one C/C++/CUDA source; ``hip``: the whole file is HIP (:func:`is_hip_source`)."""
    tree = _parser(grammar).parse(data)
    source = data.decode("utf-8", errors="replace")
    lines = source.split("\n")  # tree-sitter counts lines by "\n" only (not form feeds, U+2028 ...)
    seen: set[tuple[str, int, int]] = set()
    findings = []
    for rule, node, text in _hits(tree.root_node, rules, hip):
        line, column = node.start_point[0] + 1, node.start_point[1] + 1
        if (rule.id, line, column) in seen:
            continue
        seen.add((rule.id, line, column))
        snippet = lines[line - 1].strip()[:_SNIPPET_CHARS] if line <= len(lines) else ""
        findings.append(
            Finding(rule.id, path, line, column, f"{rule.title}: {text}", rule.category, rule.severity.label,
                    rule.confidence, snippet)
        )  # fmt: skip
    findings += _macro_kernels(source, path, rules, hip)
    return findings


_DEFINE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(\()?((?:[^\n]*\\\n)*[^\n]*)", re.MULTILINE)
"""A macro definition: its name, ``(`` for a function-like macro, and its body with the continued lines."""
_GLOBAL = re.compile(r"\b__global__\b")
_LINE_START_CALL = re.compile(r"^[ \t]*([A-Za-z_]\w*)[ \t]*\(", re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _macro_kernels(text: str, path: str, rules: CppRules, hip: bool) -> list[Finding]:
    """Kernels defined through a macro, which tree-sitter sees as opaque text. A function-like macro whose body holds
    ``__global__`` (flash-attn's ``DEFINE_FLASH_FORWARD_KERNEL(name, ...) { ... }``) is one kernel per line that
    starts with its use, or one at its definition when the file never uses it (it is used from other files); an
    object-like one (``#define CUDA_KERNEL __global__``) is one kernel per use. Linear in the file's size."""
    rule = rules.best("cpp_kernel_qualifier", "__global__")
    defines = [d for d in _DEFINE.finditer(text) if _GLOBAL.search(d.group(3))]
    if rule is None or not defines:
        return []
    rule = rules.in_hip(rule) if hip else rule
    function_like = {d.group(1): d.start() for d in defines if d.group(2)}
    object_like = {d.group(1) for d in defines if not d.group(2)}
    inside = [(d.start(), d.end()) for d in _DEFINE.finditer(text)]
    uses = [m.start(1) for m in _LINE_START_CALL.finditer(text) if m.group(1) in function_like]
    if object_like:
        uses += [m.start() for m in _IDENTIFIER.finditer(text) if m.group() in object_like]
    uses = [offset for offset in uses if not _within_any(offset, inside)]
    used = {_IDENTIFIER.match(text, offset).group() for offset in uses}  # type: ignore[union-attr]
    places = sorted(uses + [start for name, start in function_like.items() if name not in used])
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    lines = text.split("\n")
    found = []
    for offset in places:
        line = bisect.bisect_right(starts, offset)
        column = offset - starts[line - 1] + 1
        name = _IDENTIFIER.match(text, offset)
        shown = name.group() if name and name.group() in function_like.keys() | object_like else "a macro"
        found.append(
            Finding(rule.id, path, line, column, f"{rule.title}: __global__ through the macro {shown}", rule.category,
                    rule.severity.label, rule.confidence, lines[line - 1].strip()[:_SNIPPET_CHARS])
        )  # fmt: skip
    return found


def _within_any(offset: int, spans: list[tuple[int, int]]) -> bool:
    """Whether ``offset`` falls inside one of the sorted, disjoint ``spans``."""
    index = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= offset < spans[index][1]


def _hits(root: Any, rules: CppRules, hip: bool) -> Iterator[tuple[Rule, Any, str]]:
    """Every rule hit under ``root``, walking the tree with an explicit stack; in HIP code (the whole file, or a
    branch of an ``#if`` that selects HIP) a CUDA construct is reported as the HIP rule its rule names.

    Each node travels with its parent, whether it is its parent's first child and whether it is HIP: tree-sitter
    finds a node's parent by walking down from the root, which made deeply nested code (``f<a<a<a...``) cost the
    cube of its depth.
    """
    stack: list[tuple[Any, Any, bool, bool]] = [(root, None, True, hip)]
    while stack:
        node, parent, first, in_hip = stack.pop()
        branch, other = _branches(node, in_hip)
        alternative = node.child_by_field_name("alternative") if branch != other else None
        children = list(enumerate(node.children))
        stack.extend(
            (child, node, index == 0, other if alternative is not None and child == alternative else branch)
            for index, child in reversed(children)
        )
        for rule, hit, text in _node_hits(node, parent, first, rules, in_hip):
            yield (rules.in_hip(rule) if in_hip else rule), hit, text


def _branches(node: Any, in_hip: bool) -> tuple[bool, bool]:
    """(HIP in the branch, HIP in the ``#else``) of a preprocessor conditional on HIP; ``in_hip`` twice otherwise."""
    if node.type not in ("preproc_if", "preproc_ifdef", "preproc_elif", "preproc_elifdef"):
        return in_hip, in_hip
    condition = node.child_by_field_name("condition") or node.child_by_field_name("name")
    text = _text(condition) if condition is not None else ""
    if not _HIP_CONDITION.search(text):
        return in_hip, in_hip
    negated = text.lstrip().startswith("!") or (node.child_count > 0 and node.children[0].type == "#ifndef")
    return (not negated), negated


def _text(node: Any) -> str:
    return node.text.decode("utf-8", errors="replace") if node.text is not None else ""


def _node_hits(node: Any, parent: Any, first: bool, rules: CppRules, in_hip: bool) -> Iterator[tuple[Rule, Any, str]]:
    kind = node.type
    if kind == "call_expression":
        yield from _call_hits(node, rules)
    elif kind == "preproc_include":
        header = node.child_by_field_name("path")
        if header is not None:
            name = _text(header).strip('<>"')
            rule = rules.best("cpp_include", name)
            if rule:
                yield rule, node, f"#include {_text(header)}"
    elif kind == "identifier" and parent is not None and parent.type != "call_expression":
        rule = rules.best("cpp_identifier", _text(node))
        if rule:
            yield rule, node, _text(node)
    elif kind == "type_identifier":
        rule = rules.best("cpp_type", _text(node))
        if rule:
            yield rule, node, _text(node)
    elif kind == "namespace_identifier":
        if parent is not None and parent.type == "qualified_identifier" and first:
            rule = rules.best("cpp_namespace", _text(node))
            if rule:
                yield rule, node, f"{_text(node)}::"
    elif kind == "kernel_call_syntax":
        rule = rules.best("cpp_kernel_launch", "*")
        if rule:
            function = parent.child_by_field_name("function") if parent is not None else None
            yield rule, node, _text(function or node)
    elif kind == "gnu_asm_expression":
        text = _text(node)
        if _BARRIER_ASM.match(text):
            return  # asm volatile("" ::: "memory"): a compiler barrier, no instruction of any machine
        rule = rules.best("cpp_asm", "gcn" if in_hip or _GCN_ASM.search(text) else "ptx")
        if rule:
            yield rule, node, re.sub(r"\s+", " ", text)[:80]
    elif kind in _QUALIFIERS and node.child_count == 0:
        rule = rules.best("cpp_kernel_qualifier", kind)
        if rule:
            yield rule, node, kind


def _without_template_arguments(name: str) -> str:
    """``a<T>::f`` -> ``a::f``: on each line, from the first ``<`` to the last ``>`` (linear, unlike ``<.*>``)."""
    lines = []
    for line in name.split("\n"):
        opening, closing = line.find("<"), line.rfind(">")
        lines.append(line[:opening] + line[closing + 1 :] if 0 <= opening < closing else line)
    return "\n".join(lines)


def _call_hits(node: Any, rules: CppRules) -> Iterator[tuple[Rule, Any, str]]:
    function = node.child_by_field_name("function")
    if function is None or function.type not in ("identifier", "qualified_identifier", "template_function"):
        return
    name = _without_template_arguments(_text(function)).replace(" ", "")
    rule = rules.best("cpp_call", name)
    if rule is None and "::" in name:
        rule = rules.best("cpp_call", name.rsplit("::", 1)[1])
    if rule:
        yield rule, node, f"{name}()"
