"""``chipshift validate``: predict every published measurement of a case file and report the error."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError, NotSupportedYetError
from chipshift.perf.cases import Case, Metric, Phase, parse_cases
from chipshift.perf.efficiency import efficiencies
from chipshift.perf.hardware import hardware_view
from chipshift.perf.inference import estimate_decode, estimate_prefill, setup_for
from chipshift.perf.layout import InferenceLayout, layout_from_degrees
from chipshift.perf.models import ModelArch, load_model
from chipshift.perf.serving import RequestSet, fixed_lengths, sharegpt_like, simulate_serving
from chipshift.perf.training import TrainingLayout, estimate_training
from chipshift.perf.training_search import best_training_layout

PHASE_METRICS: dict[Phase, set[Metric]] = {
    Phase.PREFILL: {Metric.PREFILL_TOKENS_PER_S_PER_CHIP},
    Phase.DECODE: {Metric.DECODE_TOKENS_PER_S_PER_CHIP},
    Phase.SERVING: {Metric.SERVING_TOTAL_TOKENS_PER_S, Metric.SERVING_OUTPUT_TOKENS_PER_S},
    Phase.OFFLINE: {Metric.OFFLINE_OUTPUT_TOKENS_PER_S, Metric.SERVING_OUTPUT_TOKENS_PER_S},
    Phase.TRAINING: {Metric.TRAINING_MFU, Metric.GPU_HOURS_PER_TRILLION_TOKENS},
}


@dataclass(frozen=True)
class CaseOutcome:
    """One case: what was measured, what the model predicts, and the relative error."""

    id: str
    metric: str
    measured: float
    predicted: float | None
    error: float | None
    """(predicted - measured) / measured."""
    reason: str | None
    """Why the case could not be predicted."""


@dataclass(frozen=True)
class ValidationReport:
    """Every case and the summary over those predicted."""

    cases: list[CaseOutcome]

    @property
    def predicted(self) -> list[CaseOutcome]:
        """Cases with a prediction."""
        return [c for c in self.cases if c.error is not None]

    def summary(self) -> dict[str, Any]:
        """``n``, ``predicted``, ``median_abs_error`` and ``mape`` (None when nothing was predicted)."""
        errors = [abs(c.error) for c in self.predicted if c.error is not None]
        return {
            "n": len(self.cases),
            "predicted": len(errors),
            "median_abs_error": statistics.median(errors) if errors else None,
            "mape": statistics.fmean(errors) if errors else None,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of SCHEMA.md."""
        cases = [
            {
                "id": c.id,
                "metric": c.metric,
                "measured": c.measured,
                "predicted": c.predicted,
                "error": c.error,
                "reason": c.reason,
            }
            for c in self.cases
        ]
        return {"cases": cases, "summary": self.summary()}


def calibration_file() -> Path:
    """The calibration cases shipped with chipshift."""
    return Path(str(resources.files("chipshift.perf") / "data" / "calibration.yaml"))


def _inference_layout(case: Case, model: ModelArch) -> InferenceLayout:
    par = case.parallel
    dp_attention = efficiencies().stack(case.stack).dp_attention
    if par is None:
        chips = case.hardware.count
        if model.is_moe:
            return layout_from_degrees(model, ep=chips, dp_attention=dp_attention)
        tp = min(chips, 8)
        while model.num_heads % tp:
            tp //= 2
        return layout_from_degrees(model, tp=tp)
    return layout_from_degrees(model, tp=par.tp, pp=par.pp, ep=par.ep, dp_attention=dp_attention)


def _requests(case: Case) -> RequestSet:
    w = case.workload
    count = w.num_prompts or 1000
    if w.dataset == "sharegpt":
        return sharegpt_like(count)
    return fixed_lengths(count, w.input_tokens or 1, w.output_tokens or 1)


def _predict_inference(case: Case, catalog: Catalog) -> float:
    model = load_model(case.model)
    w = case.workload
    setup = setup_for(
        model,
        case.hardware.chip,
        precision=case.precision,
        layout=_inference_layout(case, model),
        stack=case.stack,
        system=case.hardware.system,
        catalog=catalog,
        expert_balance=w.expert_balance,
    )
    if case.phase is Phase.PREFILL:
        return estimate_prefill(setup, w.input_tokens or 1, w.tokens_per_batch).tokens_per_s_per_chip
    if case.phase is Phase.DECODE:
        draft = w.mtp.tokens if w.mtp else 0
        acceptance = w.mtp.acceptance if w.mtp else 0.0
        result = estimate_decode(
            setup, w.batch_per_chip or 1, w.input_tokens or 1, draft_tokens=draft, acceptance=acceptance, check_kv=False
        )
        return result.tokens_per_s_per_chip
    if w.mtp is not None:
        raise NotSupportedYetError("speculative decoding (MTP) in the serving simulation")
    served = simulate_serving(setup, _requests(case), case.hardware.count)
    if case.measured.metric is Metric.SERVING_TOTAL_TOKENS_PER_S:
        return served.total_tokens_per_s
    return served.output_tokens_per_s


def _predict_training(case: Case, catalog: Catalog) -> float:
    model = load_model(case.model)
    hw = hardware_view(case.hardware.chip, case.hardware.system, catalog=catalog)
    w, par = case.workload, case.parallel
    seq = w.seq_len or 4096
    kwargs: dict[str, Any] = {
        "seq_len": seq,
        "precision": case.precision,
        "stack": case.stack,
        "global_batch_tokens": w.global_batch_tokens,
    }
    if par is not None and par.tp * par.pp * par.dp * par.cp == case.hardware.count:
        layout = TrainingLayout(tp=par.tp, pp=par.pp, dp=par.dp, ep=par.ep, cp=par.cp)
        result = estimate_training(model, hw, layout=layout, **kwargs)
    else:
        fixed = {k: getattr(par, k) for k in ("tp", "pp", "ep", "cp") if par is not None and getattr(par, k) > 1}
        result = best_training_layout(model, hw, chips=case.hardware.count, fixed=fixed, **kwargs)
    if case.measured.metric is Metric.TRAINING_MFU:
        return result.mfu
    return result.chip_hours_per_trillion_tokens


def predict_case(case: Case, catalog: Catalog) -> float:
    """The model's value for the case's metric (raises :class:`ChipshiftError` when it cannot)."""
    if case.measured.metric not in PHASE_METRICS[case.phase]:
        raise ChipshiftError(f"metric {case.measured.metric.value} does not belong to phase {case.phase.value}")
    if case.phase is Phase.TRAINING:
        return _predict_training(case, catalog)
    return _predict_inference(case, catalog)


def _outcome(case: Case, catalog: Catalog) -> CaseOutcome:
    measured = case.measured.value
    try:
        predicted = float(predict_case(case, catalog))
    except ChipshiftError as error:
        return CaseOutcome(case.id, case.measured.metric.value, measured, None, None, error.message)
    return CaseOutcome(
        case.id, case.measured.metric.value, measured, predicted, (predicted - measured) / measured, None
    )


def validate_file(path: Path | None = None, *, catalog: Catalog | None = None) -> ValidationReport:
    """Predict every case of a file (the shipped calibration cases when no file is given)."""
    cases = parse_cases(path or calibration_file())
    cat = catalog or load_catalog()
    return ValidationReport([_outcome(case, cat) for case in cases])
