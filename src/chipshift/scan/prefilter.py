"""The cheap prefilter: a file that holds none of a rule's trigger texts cannot hold that rule's finding.

Trigger texts come from the rules themselves, so the prefilter never loses a finding that the analyzers would make:
a qualified name such as ``torch.cuda.synchronize`` can only be reached through source text that spells every one
of its segments (``import torch``, ``from torch import cuda``, ``cuda.synchronize()``), so each segment is
required; a regular-expression rule names its own ``tokens``. The test is case-insensitive, which only widens it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chipshift.scan.rules import Matcher, Rule

_PATTERN_KINDS = (
    "call",
    "reference",
    "import_module",
    "method_call",
    "attribute_name",
    "cpp_call",
    "cpp_include",
    "cpp_identifier",
    "cpp_type",
    "cpp_namespace",
    "cpp_kernel_qualifier",
    "package",
)
_FIXED_TOKENS = {"cpp_kernel_launch": ["<<<"], "cpp_asm": ["asm"]}
_SEPARATORS = re.compile(r"::|[./\-_]")
_COMMON = frozenset(
    [
        "torch",
        "nn",
        "utils",
        "functional",
        "ops",
        "config",
        "_c",
        "device",
        "devices",
        "test",
        "math",
        "extra",
        "language",
        "load",
        "core",
        "modules",
        "layers",
        "optim",
        "parallel",
        "experimental",
        "distributed",
        "backends",
        "version",
        "memory",
        "jit",
        "seed",
        "graph",
        "graphs",
        "stream",
        "event",
        "amp",
        "tensor",
        "comm",
        "autograd",
        "profiler",
        "nvidia",
    ]
)
"""Texts found in most PyTorch files; never chosen as a rule's anchor when a rarer one exists."""


def _anchor(trigger: frozenset[str]) -> str:
    return max(trigger, key=lambda token: (token not in _COMMON, len(token), token))


def _literal_parts(pattern: str, kind: str) -> frozenset[str]:
    """Texts that any source matching ``pattern`` must contain (lower case)."""
    lowered = pattern.lower()
    if kind == "package":  # names are normalised (-, _, . are the same), so only whole separator-free runs count
        parts = _SEPARATORS.split(lowered)
    elif kind in ("call", "reference", "import_module"):
        parts = lowered.split(".")
    else:
        parts = [lowered]
    literals = set()
    for part in parts:
        for piece in re.split(r"[*?]", re.sub(r"\[[^\]]*\]", "*", part)):
            if len(piece) >= 2:
                literals.add(piece)
    return frozenset(literals)


def rule_triggers(rule: Rule) -> list[frozenset[str]]:
    """Alternative sets of texts, one of which a file must wholly contain for ``rule`` to fire."""
    matcher: Matcher = rule.match
    if matcher.tokens:
        return [frozenset([token.lower()]) for token in matcher.tokens]
    kind = matcher.kind
    if kind in _FIXED_TOKENS:
        return [frozenset(_FIXED_TOKENS[kind])]
    patterns: list[str] = getattr(matcher, kind)
    triggers = [_literal_parts(pattern, kind) for pattern in patterns]
    if any(not trigger for trigger in triggers):
        raise ValueError(f"rule {rule.id}: a pattern has no literal text to prefilter on")
    return triggers


@dataclass(frozen=True)
class Prefilter:
    """Decides from raw bytes whether a file may hold a finding of a set of rules."""

    triggers: tuple[frozenset[str], ...]
    """Alternative token sets; a file passes if it contains every token of one of them."""
    anchor: re.Pattern[bytes]
    """One token of each set, as one search, to rule out most files in one pass."""

    @classmethod
    def for_rules(cls, rules: Iterable[Rule], extra_tokens: Iterable[str] = ()) -> Prefilter:
        """The prefilter of ``rules``, plus plain tokens (names of modules that re-export CUDA names)."""
        triggers = {trigger for rule in rules for trigger in rule_triggers(rule)}
        triggers.update(frozenset([token.lower()]) for token in extra_tokens)
        anchors = sorted({_anchor(trigger) for trigger in triggers}, key=lambda t: (-len(t), t))
        alternation = b"|".join(re.escape(a.encode()) for a in anchors) or b"(?!)"
        return cls(tuple(sorted(triggers, key=sorted)), re.compile(alternation))

    def may_match(self, data: bytes) -> bool:
        """True when ``data`` could hold a finding; False means it certainly cannot."""
        lowered = data.lower()
        if not self.anchor.search(lowered):
            return False
        return any(all(token.encode() in lowered for token in trigger) for trigger in self.triggers)
