"""``chipshift validate``: predict every published measurement of a case file and report the error."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from chipshift.catalog import Catalog, load_catalog
from chipshift.errors import ChipshiftError
from chipshift.perf.cases import Case, Metric, Phase, parse_cases
from chipshift.perf.inference import estimate_decode, estimate_prefill, prefill_alone
from chipshift.perf.requests import (
    SHAREGPT_MEAN_INPUT,
    SHAREGPT_MEAN_OUTPUT,
    RequestSet,
    fixed_lengths,
    sharegpt_like,
    with_poisson_arrivals,
)
from chipshift.perf.search import ServingWorkload, search_layouts
from chipshift.perf.serving import ServingOptions, simulate_serving
from chipshift.perf.spec import EngineSettings, ReplicaSpec
from chipshift.perf.speculative import DraftMethod, Speculative
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
    """Case id."""
    chip: str
    """Chips measured, e.g. ``8 x nvidia-h200-sxm`` or ``96 x huawei-ascend-910c in cloudmatrix-384``."""
    model: str
    """Model id."""
    metric: str
    """Measured metric."""
    measured: float
    """The published figure."""
    predicted: float | None
    """The model's figure (None: not predicted)."""
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
        """``n``, ``predicted``, ``median_abs_error``, ``mape`` (None when nothing was predicted) and
        ``within_1_5x`` (cases predicted within a factor of 1.5)."""
        errors = [abs(c.error) for c in self.predicted if c.error is not None]
        ratios = [c.predicted / c.measured for c in self.predicted if c.predicted is not None]
        return {
            "n": len(self.cases),
            "predicted": len(errors),
            "median_abs_error": statistics.median(errors) if errors else None,
            "mape": statistics.fmean(errors) if errors else None,
            "within_1_5x": sum(1 for r in ratios if 1 / 1.5 <= r <= 1.5),
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of SCHEMA.md (its keys only: the chips and model are in the table)."""
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


def _case_workload(case: Case) -> ServingWorkload:
    """The requests of a case as the layout search sees them (a prefill case: prompts with one output token)."""
    w = case.workload
    hit = w.prefix_hit_rate or 0.0
    if w.dataset == "sharegpt":
        return ServingWorkload(SHAREGPT_MEAN_INPUT, SHAREGPT_MEAN_OUTPUT, longest_tokens=2048, prefix_hit_rate=hit)
    output = w.output_tokens or (1 if case.phase is Phase.PREFILL else 256)
    return ServingWorkload(w.input_tokens or 1024, output, prefix_hit_rate=hit)


def _inference_spec(case: Case, spec: ReplicaSpec) -> ReplicaSpec:
    """The measured layout, or (none published) the layout search's best over exactly the chips measured."""
    par = case.parallel
    if par is not None:
        return spec.with_degrees(tp=par.tp, pp=par.pp, ep=par.ep, dp_attention=par.dp_attention)
    found = search_layouts(spec, _case_workload(case), chips=case.hardware.count)
    if found.best is None:
        raise ChipshiftError(found.reason or "no layout of the measured chips fits")
    return spec.with_layout(found.best.layout)


def _requests(case: Case) -> RequestSet:
    w = case.workload
    count = w.num_prompts or 1000
    if w.dataset == "sharegpt":
        requests = sharegpt_like(count)
    else:
        requests = fixed_lengths(count, w.input_tokens or 1, w.output_tokens or 1)
    return requests if w.request_rate is None else with_poisson_arrivals(requests, w.request_rate)


def case_speculative(case: Case) -> Speculative | None:
    """The case's speculative decoding (``workload.mtp`` is MTP), or None."""
    w = case.workload
    if w.speculative is not None:
        return Speculative.of(w.speculative.method, w.speculative.acceptance, w.speculative.tokens)
    if w.mtp is not None:
        return Speculative.of(DraftMethod.MTP, w.mtp.acceptance, w.mtp.tokens)
    return None


def _spec(case: Case, catalog: Catalog) -> ReplicaSpec:
    hw, eng = case.hardware, case.engine
    engine = (
        EngineSettings()
        if eng is None
        else EngineSettings(eng.max_num_seqs, eng.max_batched_tokens, eng.memory_utilization, eng.async_scheduling)
    )
    return ReplicaSpec.build(
        case.model,
        hw.chip,
        system=hw.system,
        precision=case.precision,
        kv_cache=eng.kv_cache if eng is not None else None,
        stack=case.stack,
        speculative=case_speculative(case) if case.phase is not Phase.TRAINING else None,
        engine=engine,
        catalog=catalog,
    )


def _predict_inference(case: Case, catalog: Catalog) -> float:
    w = case.workload
    spec = _inference_spec(case, _spec(case, catalog))
    setup = spec.setup(expert_balance=w.expert_balance)
    if case.phase is Phase.PREFILL and w.max_concurrency == 1:
        return prefill_alone(setup, w.input_tokens or 1, w.tokens_per_batch).tokens_per_s_per_chip
    if case.phase is Phase.PREFILL:
        return estimate_prefill(setup, w.input_tokens or 1, w.tokens_per_batch).tokens_per_s_per_chip
    if case.phase is Phase.DECODE:
        result = estimate_decode(
            setup,
            w.batch_per_chip or 1,
            w.input_tokens or 1,
            draft_tokens=spec.draft_tokens,
            acceptance=spec.mtp_acceptance or 0.0,
            check_kv=False,
        )
        return result.tokens_per_s_per_chip
    options = ServingOptions(w.max_concurrency, spec.speculative, w.prefix_hit_rate or 0.0)
    served = simulate_serving(setup, _requests(case), case.hardware.count, options=options)
    if case.measured.metric is Metric.SERVING_TOTAL_TOKENS_PER_S:
        return served.total_tokens_per_s
    return served.output_tokens_per_s


def _predict_training(case: Case, catalog: Catalog) -> float:
    spec = _spec(case, catalog)
    model, hw = spec.model, spec.hardware
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
    hw = case.hardware
    chips = f"{hw.count:,} x {hw.chip}" + (f" in {hw.system}" if hw.system else "")
    label = (case.id, chips, case.model, case.measured.metric.value, measured)
    try:
        predicted = float(predict_case(case, catalog))
    except ChipshiftError as error:
        return CaseOutcome(*label, None, None, error.message)
    if not math.isfinite(predicted):
        return CaseOutcome(*label, None, None, f"the model's prediction is not a finite number ({predicted})")
    ratio = (predicted - measured) / measured
    if not math.isfinite(ratio):  # a measured figure so small that the ratio overflows (5e-324)
        reason = f"the error is not a finite number: the measured {measured:g} is too small against {predicted:g}"
        return CaseOutcome(*label, predicted, None, reason)
    return CaseOutcome(*label, predicted, ratio, None)


def validate_file(
    path: Path | None = None,
    *,
    catalog: Catalog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ValidationReport:
    """Predict every case of a file (the shipped calibration cases when no file is given); ``progress`` hears
    ``(cases done, cases)`` after each one."""
    cases = parse_cases(path or calibration_file())
    cat = catalog or load_catalog()
    outcomes = []
    for case in cases:
        outcomes.append(_outcome(case, cat))
        if progress is not None:
            progress(len(outcomes), len(cases))
    return ValidationReport(outcomes)
