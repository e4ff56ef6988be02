"""Model architectures read from config.json: sizes against the published parameter counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chipshift.errors import ChipshiftError, InputFileError, UnknownIdError
from chipshift.perf.models import AttentionKind, load_model, shipped_model_ids

# Published totals (billions), each from the model card or paper cited in its JSON file.
PUBLISHED_TOTAL_B = {
    "deepseek-v3": 671,
    "deepseek-r1": 671,
    "qwen3-8b": 8.2,
    "qwen3-32b": 32.8,
    "qwen3-30b-a3b": 30.5,
    "qwen3-235b-a22b": 235,
    "qwen2.5-72b": 72.7,
    "llama-2-70b": 69,
    "llama-3.1-8b": 8.0,
    "llama-3.1-70b": 70.6,
    "llama-3.1-405b": 405,
    "gpt3-175b": 175,
    "pangu-ultra-135b": 135,
    "pangu-ultra-moe-718b": 718,
}


def test_every_required_model_ships() -> None:
    assert set(PUBLISHED_TOTAL_B) <= set(shipped_model_ids())


@pytest.mark.parametrize(("model_id", "total_b"), sorted(PUBLISHED_TOTAL_B.items()))
def test_total_params_match_published(model_id: str, total_b: float) -> None:
    assert load_model(model_id).total_params / 1e9 == pytest.approx(total_b, rel=0.03)


def test_deepseek_r1_is_mla_moe_with_mtp() -> None:
    m = load_model("deepseek-r1")
    assert m.attention is AttentionKind.MLA
    assert (m.num_experts, m.experts_per_token, m.num_shared_experts, m.dense_layers) == (256, 8, 1, 3)
    assert m.mtp_layers == 1
    assert m.active_params / 1e9 == pytest.approx(37, rel=0.06)  # 37B active, arXiv 2412.19437
    assert m.kv_elems_per_token_layer() == 576


def test_every_shipped_config_names_its_source() -> None:
    for model_id in shipped_model_ids():
        m = load_model(model_id)
        assert m.source and m.as_of != "unknown", model_id


def test_path_to_config_json(tmp_path: Path) -> None:
    config = {
        "hidden_size": 1024,
        "num_hidden_layers": 4,
        "num_attention_heads": 8,
        "vocab_size": 1000,
        "intermediate_size": 4096,
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    m = load_model(str(tmp_path))
    assert m.num_layers == 4 and m.attention is AttentionKind.MHA


def test_config_missing_field_names_it(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(InputFileError, match="num_hidden_layers"):
        load_model(str(tmp_path / "config.json"))


def test_unknown_model_suggests() -> None:
    with pytest.raises(UnknownIdError, match="qwen3-32b"):
        load_model("qwen3-23b")


@pytest.mark.parametrize(
    ("model_id", "active_b"),
    [
        ("deepseek-v3", 37.0),  # DeepSeek-V3 technical report, arXiv 2412.19437: 37B activated per token
        ("qwen3-30b-a3b", 3.3),  # Qwen3 model card: 3.3B activated
        ("qwen3-235b-a22b", 22.0),  # Qwen3 model card: 22B activated
        ("mixtral-8x7b", 12.9),  # Mixtral of Experts, arXiv 2401.04088: 12.9B active
        ("pangu-ultra-moe-718b", 39.0),  # Pangu Ultra MoE, arXiv 2505.04519: 39B activated
    ],
)
def test_active_params_match_model_cards(model_id: str, active_b: float) -> None:
    model = load_model(model_id)
    assert model.active_params_published / 1e9 == pytest.approx(active_b, rel=0.04)
    # The per-token GEMM weights leave the embedding and LM head out.
    assert model.active_params == model.active_params_published - model.embedding_params


def test_mla_head_dim_is_the_query_key_width() -> None:
    model = load_model("deepseek-v3")
    assert model.head_dim == model.qk_head_dim == 192


def test_context_window_from_config() -> None:
    assert load_model("qwen3-8b").max_context == 40960
    assert load_model("gpt3-175b").max_context == 2048
    with pytest.raises(ChipshiftError, match="exceeds the model's context window of 4,096"):
        load_model("llama-2-70b").check_context(5000)
