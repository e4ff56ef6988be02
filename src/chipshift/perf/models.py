"""Model architectures read from Hugging Face ``config.json`` fields: dense, GQA, MLA and MoE transformers.

The shipped configs live in ``perf/data/models/<id>.json`` (copies of the published files, with a ``_chipshift``
block that names the source and date). Any path to a ``config.json`` works too.
"""

from __future__ import annotations

import difflib
import enum
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from chipshift.datafiles import load_json
from chipshift.errors import ChipshiftError, InputFileError, UnknownIdError
from chipshift.files import MiB, read_input_text

CONFIG_LIMIT_BYTES = 4 * MiB
"""Largest ``config.json`` read (published ones are a few KB)."""

MAX_DIMENSION = 2**31 - 1
"""Largest width, count or length a config field may give (any real one is far below)."""


class AttentionKind(enum.StrEnum):
    """How attention stores its keys and values."""

    MHA = "mha"
    GQA = "gqa"
    MLA = "mla"


@dataclass(frozen=True)
class ModelArch:
    """The shape of a decoder-only transformer, enough to count its FLOPs, bytes and KV cache."""

    id: str
    """Short id (``deepseek-r1``) or the path it was read from."""
    name: str
    """Readable name."""
    source: str
    """Where the configuration was published."""
    as_of: str
    """When it was published."""
    hidden_size: int
    """Model width."""
    num_layers: int
    """Decoder layers (MTP modules not included)."""
    num_heads: int
    """Query heads."""
    num_kv_heads: int
    """Key/value heads (GQA); equal to ``num_heads`` for MHA and MLA."""
    head_dim: int
    """Per-head width of queries and keys (for MLA: the no-rope plus rotary part, as in :attr:`qk_head_dim`)."""
    intermediate_size: int
    """Dense FFN width."""
    vocab_size: int
    """Vocabulary size."""
    gated_mlp: bool
    """SwiGLU (three matrices) rather than a plain two-matrix MLP."""
    tie_embeddings: bool
    """Whether the LM head shares the embedding matrix."""
    attention: AttentionKind
    """MHA, GQA or MLA."""
    q_lora_rank: int = 0
    """MLA: query compression rank (0 = full query projection)."""
    kv_lora_rank: int = 0
    """MLA: latent KV width cached per token."""
    qk_nope_head_dim: int = 0
    """MLA: per-head query/key width without rotary part."""
    qk_rope_head_dim: int = 0
    """MLA: rotary part of query/key, cached once per token."""
    v_head_dim: int = 0
    """Per-head value width (MLA); equals ``head_dim`` otherwise."""
    num_experts: int = 0
    """Routed experts per MoE layer (0 = dense model)."""
    experts_per_token: int = 0
    """Routed experts each token goes to."""
    num_shared_experts: int = 0
    """Experts every token goes to."""
    moe_intermediate_size: int = 0
    """Width of one expert's FFN."""
    dense_layers: int = 0
    """Layers at the bottom that keep a dense FFN (MoE models)."""
    mtp_layers: int = 0
    """Multi-token prediction modules (speculative decoding heads)."""
    routed_groups_per_token: int = 0
    """Group-limited routing: expert groups (nodes) one token may reach (``topk_group``; 0 = no limit)."""
    max_context: int | None = None
    """Longest sequence the model was trained for (``max_position_embeddings``); None where the config lacks it."""
    note: str | None = None
    """What was not published and how the gap was filled."""

    def check_context(self, tokens: int) -> None:
        """Refuse a sequence (prompt plus output) longer than the model's context window."""
        if self.max_context is not None and tokens > self.max_context:
            raise ChipshiftError(
                f"{self.id}: a sequence of {tokens:,} tokens (prompt plus output) exceeds the model's context window "
                f"of {self.max_context:,} (max_position_embeddings; for a longer window with rope scaling, pass a "
                "config.json that declares it)"
            )

    @property
    def is_moe(self) -> bool:
        """Whether the FFN is a mixture of experts."""
        return self.num_experts > 0

    @property
    def moe_layers(self) -> int:
        """Layers with a routed-expert FFN."""
        return self.num_layers - self.dense_layers if self.is_moe else 0

    @property
    def qk_head_dim(self) -> int:
        """Per-head query/key width used in the score product (prefill form for MLA)."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim if self.attention is AttentionKind.MLA else self.head_dim

    @property
    def attention_params(self) -> int:
        """Weights of one attention block (projections only)."""
        h = self.hidden_size
        if self.attention is AttentionKind.MLA:
            q = (
                (h * self.q_lora_rank + self.q_lora_rank * self.num_heads * self.qk_head_dim)
                if self.q_lora_rank
                else h * self.num_heads * self.qk_head_dim
            )
            kv = h * (self.kv_lora_rank + self.qk_rope_head_dim)
            kv += self.kv_lora_rank * self.num_heads * (self.qk_nope_head_dim + self.v_head_dim)
            return q + kv + self.num_heads * self.v_head_dim * h
        q_and_o = 2 * h * self.num_heads * self.head_dim
        return q_and_o + 2 * h * self.num_kv_heads * self.head_dim

    @property
    def dense_ffn_params(self) -> int:
        """Weights of one dense FFN."""
        return (3 if self.gated_mlp else 2) * self.hidden_size * self.intermediate_size

    @property
    def expert_params(self) -> int:
        """Weights of one expert."""
        return 3 * self.hidden_size * self.moe_intermediate_size

    @property
    def embedding_params(self) -> int:
        """Input embedding plus LM head (once if tied)."""
        return self.vocab_size * self.hidden_size * (1 if self.tie_embeddings else 2)

    @property
    def total_params(self) -> int:
        """All weights, MTP modules excluded."""
        ffn = self.dense_layers * self.dense_ffn_params if self.is_moe else self.num_layers * self.dense_ffn_params
        experts = self.moe_layers * (self.num_experts + self.num_shared_experts) * self.expert_params
        return self.num_layers * self.attention_params + ffn + experts + self.embedding_params

    @property
    def active_params(self) -> int:
        """Weights each token multiplies through (routed experts counted top-k), embeddings excluded."""
        ffn = self.dense_layers * self.dense_ffn_params if self.is_moe else self.num_layers * self.dense_ffn_params
        experts = self.moe_layers * (self.experts_per_token + self.num_shared_experts) * self.expert_params
        return self.num_layers * self.attention_params + ffn + experts

    @property
    def active_params_published(self) -> int:
        """Active weights as model cards count them: :attr:`active_params` plus the embedding and LM head."""
        return self.active_params + self.embedding_params

    def kv_elems_per_token_layer(self) -> int:
        """Cached values per token per layer (latent plus rotary key for MLA; K and V per KV head otherwise)."""
        if self.attention is AttentionKind.MLA:
            return self.kv_lora_rank + self.qk_rope_head_dim
        return 2 * self.num_kv_heads * self.head_dim

    def attention_flops_per_pair(self, *, absorbed: bool) -> int:
        """FLOPs of one layer's attention for one (query token, context token) pair, all heads.

        ``absorbed`` is the MLA decode form (scores and values against the cached latent).
        """
        if self.attention is AttentionKind.MLA and absorbed:
            return 2 * self.num_heads * (2 * self.kv_lora_rank + self.qk_rope_head_dim)
        v_dim = self.v_head_dim or self.head_dim
        return 2 * self.num_heads * (self.qk_head_dim + v_dim)


class ConfigFieldError(ValueError):
    """A ``config.json`` field the performance model cannot use: missing, not a whole number, or out of range."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def _int(config: dict[str, Any], *names: str, default: int | None = None, minimum: int = 0) -> int:
    """The first of ``names`` the config gives (a JSON null counts as not given), from ``minimum`` up."""
    for name in names:
        value = config.get(name)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigFieldError(name, f"must be a whole number, not {json.dumps(value)[:40]}")
        if not minimum <= value <= MAX_DIMENSION:
            raise ConfigFieldError(name, f"must be {minimum} to {MAX_DIMENSION:,}, not {value:,}")
        return value
    if default is None:
        raise ConfigFieldError(names[0], "required by the performance model")
    return default


def _attention_kind(config: dict[str, Any], heads: int, kv_heads: int) -> AttentionKind:
    if config.get("kv_lora_rank"):
        return AttentionKind.MLA
    return AttentionKind.GQA if kv_heads < heads else AttentionKind.MHA


def _head_dim(config: dict[str, Any], hidden: int, heads: int, mla: bool) -> int:
    if mla:
        return _int(config, "qk_nope_head_dim", default=0) + _int(config, "qk_rope_head_dim", default=0)
    return _int(config, "head_dim", default=(hidden // heads) or None, minimum=1)


def _moe_fields(config: dict[str, Any], layers: int) -> dict[str, int]:
    experts = _int(config, "n_routed_experts", "num_experts", "num_local_experts", default=0)
    if not experts:
        return {}
    per_token = _int(config, "num_experts_per_tok", default=1, minimum=1)
    if per_token > experts:
        raise ConfigFieldError("num_experts_per_tok", f"must be at most the {experts:,} experts, not {per_token:,}")
    dense = _int(config, "first_k_dense_replace", default=0)
    only_dense = config.get("mlp_only_layers")
    dense += len(only_dense) if isinstance(only_dense, list) else 0
    return {
        "num_experts": experts,
        "experts_per_token": per_token,
        "num_shared_experts": _int(config, "n_shared_experts", default=0),
        "moe_intermediate_size": _int(config, "moe_intermediate_size", "intermediate_size"),
        "dense_layers": min(dense, layers),
        "routed_groups_per_token": _int(config, "topk_group", default=0),
    }


def arch_from_config(config: dict[str, Any], *, model_id: str) -> ModelArch:
    """Build a :class:`ModelArch` from the fields of a Hugging Face ``config.json``.

    Raises :class:`ConfigFieldError` for a field that is missing, not a whole number or out of range (no attention
    heads, no layers).
    """
    meta = config.get("_chipshift")
    meta = meta if isinstance(meta, dict) else {}
    hidden = _int(config, "hidden_size", "n_embd", "d_model", minimum=1)
    layers = _int(config, "num_hidden_layers", "n_layer", "num_layers", minimum=1)
    heads = _int(config, "num_attention_heads", "n_head", minimum=1)
    kv_heads = _int(config, "num_key_value_heads", default=heads, minimum=1)
    act = str(config.get("hidden_act") or config.get("activation_function") or "silu")
    mla = _attention_kind(config, heads, kv_heads) is AttentionKind.MLA
    return ModelArch(
        id=str(meta.get("id") or model_id),
        name=str(meta.get("name") or model_id),
        source=str(meta.get("source") or "config.json"),
        as_of=str(meta.get("as_of") or "unknown"),
        note=meta.get("note"),
        hidden_size=hidden,
        num_layers=layers,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=_head_dim(config, hidden, heads, mla),
        intermediate_size=_int(config, "intermediate_size", "n_inner", "ffn_hidden_size", default=4 * hidden),
        vocab_size=_int(config, "vocab_size", minimum=1),
        gated_mlp=act in {"silu", "swiglu", "swish"},
        tie_embeddings=bool(config.get("tie_word_embeddings", False)),
        attention=_attention_kind(config, heads, kv_heads),
        q_lora_rank=_int(config, "q_lora_rank", default=0) if mla else 0,
        kv_lora_rank=_int(config, "kv_lora_rank", default=0) if mla else 0,
        qk_nope_head_dim=_int(config, "qk_nope_head_dim", default=0) if mla else 0,
        qk_rope_head_dim=_int(config, "qk_rope_head_dim", default=0) if mla else 0,
        v_head_dim=_int(config, "v_head_dim", default=0) if mla else 0,
        mtp_layers=_int(config, "num_nextn_predict_layers", default=0),
        max_context=_int(config, "max_position_embeddings", "n_positions", default=0) or None,
        **_moe_fields(config, layers),
    )


def _models_dir() -> Path:
    return Path(str(resources.files("chipshift.perf") / "data" / "models"))


def shipped_model_ids() -> list[str]:
    """Ids of the model architectures that ship with chipshift."""
    return sorted(path.stem for path in _models_dir().glob("*.json"))


def _read_config(path: Path, model_id: str) -> ModelArch:
    text = read_input_text(path, limit_bytes=CONFIG_LIMIT_BYTES, what="model config")
    config = load_json(text, str(path))
    if not isinstance(config, dict):
        raise InputFileError(str(path), "a config.json must hold one JSON object")
    try:
        return arch_from_config(config, model_id=model_id)
    except ConfigFieldError as error:
        raise InputFileError(str(path), error.problem, field=error.field) from None


@cache
def _load_shipped(model_id: str) -> ModelArch:
    return _read_config(_models_dir() / f"{model_id}.json", model_id)


def load_model(wanted: str) -> ModelArch:
    """A shipped model by id (case-insensitive, Hugging Face names such as ``Qwen/Qwen3-32B`` too) or any path to
    a ``config.json`` (or a folder holding one)."""
    key = wanted.strip().lower()
    if key in shipped_model_ids():
        return _load_shipped(key)
    short = key.rsplit("/", 1)[-1].removesuffix("-instruct").replace("_", "-").replace("meta-llama-", "llama-")
    if not Path(wanted).expanduser().exists() and short in shipped_model_ids():
        return _load_shipped(short)
    path = Path(wanted).expanduser()
    if path.is_dir():
        path = path / "config.json"
    if path.is_file():
        return _read_config(path, path.parent.name or path.stem)
    suggestions = difflib.get_close_matches(key, shipped_model_ids(), n=3, cutoff=0.4)
    raise UnknownIdError("model", wanted, suggestions)
