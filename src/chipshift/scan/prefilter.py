"""The cheap prefilter: a file that holds none of a rule's trigger texts cannot hold that rule's finding.

Trigger texts come from the rules themselves, so the prefilter never loses a finding that the analyzers would make:
a qualified name such as ``torch.cuda.synchronize`` can only be reached through source text that spells every one
of its segments (``import torch``, ``from torch import cuda``, ``cuda.synchronize()``), so each segment is
required; a regular-expression rule names its own ``tokens``. The test is case-insensitive, which only widens it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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
        "temperature",
        "matmul",
        "normalization",
        "utilization",
        "optimizers",
        "losses",
    ]
)
"""Texts found in most PyTorch files; never chosen as a rule's anchor when a rarer one exists."""


_MARKERS = ("cuda", "nccl", "cudnn", "nvidia", "nvml", "nvtx", "triton", "flash_attn", "xformers", "apex", "cublas")
"""Texts that make a token a good anchor: rare outside CUDA-related code."""
IMPORT_PREFIX = "import:"
"""Marks a token that must appear as an imported top-level module (``import torch``, ``from torch.cuda ...``)."""


def _anchor(trigger: frozenset[str]) -> str:
    plain = [token for token in trigger if not token.startswith((IMPORT_PREFIX, SEGMENT_PREFIX))]
    return max(plain, key=lambda token: (token not in _COMMON, any(m in token for m in _MARKERS), len(token), token))


@functools.cache
def import_statement(module: str) -> re.Pattern[bytes]:
    """Lower-case text of an import statement that binds top-level ``module`` (also after ``import a as b,``)."""
    name = re.escape(module.encode())
    before = rb"(?:[\w.]+(?:\s+as\s+\w+)?[\s\\]*,[\s\\]*)*"
    return re.compile(rb"\b(?:from[\s\\]+" + name + rb"\b|import[\s\\]+" + before + name + rb"\b)")


SEGMENT_PREFIX = "segment:"
"""Marks the last segment of a qualified name: it must appear as ``.name`` or among imported names."""


@functools.cache
def _segment_pattern(name: bytes) -> re.Pattern[bytes]:
    # after a dot, a comma, a parenthesis or the word import, with blanks and line continuations between
    blanks = rb"[ \t\r\n\\]*"
    return re.compile(rb"(?:[.,(]|(?<![a-z0-9_])import)" + blanks + re.escape(name) + rb"(?![a-z0-9_])")


def has_segment(name: bytes, lowered: bytes) -> bool:
    """True when ``name`` occurs as an attribute (``.name``) or an imported name (``import name``, ``, name``).

    One regular-expression search, linear in the text: a file of a million near misses (``xname``) costs no more
    than reading it once.
    """
    return _segment_pattern(name).search(lowered) is not None


def _has(token: bytes, lowered: bytes) -> bool:
    if token.startswith(b"import:"):
        return import_statement(token[7:].decode()).search(lowered) is not None
    if token.startswith(b"segment:"):
        return has_segment(token[8:], lowered)
    return token in lowered


def _cost(token: bytes) -> int:
    return 2 if token.startswith(b"import:") else 1 if token.startswith(b"segment:") else 0


def _qualified_name_tokens(pattern: str) -> set[str]:
    segments = pattern.lower().split(".")
    tokens = {IMPORT_PREFIX + segments[0]}
    # every later segment is written after a dot or imported by name (from torch.cuda import amp)
    tokens.update(
        SEGMENT_PREFIX + segment for segment in segments[1:] if segment and not any(c in segment for c in "*?[")
    )
    return tokens


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
    if kind in ("call", "reference", "import_module"):
        # a qualified name resolves only through an import of its top-level module (re-exports: second pass)
        triggers = [t | _qualified_name_tokens(p) for t, p in zip(triggers, patterns, strict=True)]
    if any(not trigger for trigger in triggers):
        raise ValueError(f"rule {rule.id}: a pattern has no literal text to prefilter on")
    return triggers


def _trie_pattern(words: Iterable[str]) -> bytes:
    """One regular expression for many literal words, nested by shared prefixes.

    Python's ``re`` tries every branch of a flat alternation at every position; a prefix tree fails after one
    byte at most positions, which makes the search about five times faster on real code.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_node(trie).encode() if trie else b""


def _trie_node(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _trie_node(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@dataclass(frozen=True)
class Prefilter:
    """Decides from raw bytes whether a file may hold a finding of a set of rules."""

    by_anchor: dict[bytes, tuple[tuple[bytes, ...], ...]]
    """Alternative token sets, by their anchor (rarest token); a file passes if it holds every token of one set."""
    anchor: re.Pattern[bytes]
    """All anchors as one prefix-tree search; it reports the longest anchor that starts at a position."""
    prefixes: dict[bytes, tuple[bytes, ...]]
    """Anchor -> the anchors that are its prefixes (itself included)."""

    @classmethod
    def for_rules(cls, rules: Iterable[Rule], extra_tokens: Iterable[str] = ()) -> Prefilter:
        """The prefilter of ``rules``, plus plain tokens (names of modules that re-export CUDA names)."""
        triggers = {trigger for rule in rules for trigger in rule_triggers(rule)}
        triggers.update(frozenset([token.lower()]) for token in extra_tokens)
        by_anchor: dict[bytes, list[tuple[bytes, ...]]] = {}
        for trigger in sorted(triggers, key=sorted):
            anchor = _anchor(trigger)
            rest = tuple(sorted((token.encode() for token in trigger if token != anchor), key=lambda t: (_cost(t), t)))
            by_anchor.setdefault(anchor.encode(), []).append(rest)
        pattern = _trie_pattern(sorted(a.decode() for a in by_anchor))
        search = re.compile(pattern or b"(?!)")
        prefixes = {a: tuple(b for b in by_anchor if a.startswith(b)) for a in by_anchor}
        return cls({a: tuple(sets) for a, sets in by_anchor.items()}, search, prefixes)

    def may_match(self, data: bytes) -> bool:
        """True when ``data`` could hold a finding; False means it certainly cannot."""
        lowered = data.lower()
        if self.anchor.search(lowered) is None:
            return False
        known: dict[bytes, bool] = {}

        def has(token: bytes) -> bool:
            if token not in known:
                known[token] = _has(token, lowered)
            return known[token]

        tried: set[bytes] = set()
        for found in self._anchors_found(lowered):
            for anchor in self.prefixes[found]:  # an anchor occurs where it prefixes the longest one found
                if anchor not in tried:
                    tried.add(anchor)
                    if any(all(has(token) for token in tokens) for tokens in self.by_anchor[anchor]):
                        return True
        return False

    def _anchors_found(self, lowered: bytes) -> Iterator[bytes]:
        """The longest anchor at every position where one starts, in order."""
        for match in self.anchor.finditer(lowered):
            yield match.group()
            for inside in range(match.start() + 1, match.end()):  # anchors overlapping this match
                overlapping = self.anchor.match(lowered, inside)
                if overlapping is not None:
                    yield overlapping.group()
