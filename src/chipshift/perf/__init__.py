"""perf: an analytical performance model of LLM inference and training on chips, servers and supernodes.

Public API (what the CLI and other engines import; the modules behind it are private):

- :class:`ReplicaSpec` (model, chip or system, precision, KV-cache dtype, stack, optional fixed layout: resolved
  once, taken by every entry point) and :class:`ServingWorkload` (request lengths, TTFT and TPOT targets);
- :func:`search_layouts` (the one layout search: the best layout and batch at the targets, and the frontier),
  :func:`serving_capacity` (its answer per chip, what decide asks), :func:`estimate` (prefill and decode with a
  per-operator breakdown, at the searched or a given layout), :func:`estimate_serving` (continuous-batching
  simulation of a request set);
- :func:`size_deployment` and :func:`size_replica` (chips and servers for a serving demand),
  :func:`training_throughput` (best training layout on any chip count), :func:`size_training`;
- :func:`validate_file` and :func:`cross_validate` (leave-one-source-out), :func:`capacity_error_ratios` and
  :func:`training_error_ratios` (the model's own error, for Monte Carlo), :func:`load_model`,
  :func:`shipped_model_ids`, request sets (:func:`sharegpt_like`, :func:`fixed_lengths`, :func:`load_lengths`), and
  the views that print all of these (tables and plain data).
"""

from chipshift.perf.capacity import CapacityResult, serving_capacity
from chipshift.perf.crossval import CrossValidation, HeldOut, cross_validate
from chipshift.perf.estimate import Estimate, ServingEstimate, TargetNotMetError, estimate, estimate_serving
from chipshift.perf.inference import DoesNotFitError
from chipshift.perf.layout import InferenceLayout
from chipshift.perf.lengths import load_lengths
from chipshift.perf.model_error import capacity_error_ratios, training_error_ratios
from chipshift.perf.models import ModelArch, load_model, shipped_model_ids
from chipshift.perf.quant import KvCacheDtype, Quant
from chipshift.perf.requests import RequestSet, fixed_lengths, sharegpt_like
from chipshift.perf.search import SearchResult, ServingPoint, ServingWorkload, search_layouts
from chipshift.perf.serving import ServingOptions
from chipshift.perf.sizing import ServingDemand, SizingRow, size_deployment, size_replica
from chipshift.perf.spec import EngineSettings, ReplicaSpec
from chipshift.perf.speculative import DraftMethod, Speculative
from chipshift.perf.training import Recompute, TrainingResult
from chipshift.perf.training_search import TrainingSizing, size_training, training_throughput
from chipshift.perf.validate import CaseOutcome, ValidationReport, validate_file
from chipshift.perf.views import (
    estimate_view,
    model_fields,
    model_view,
    models_view,
    search_view,
    serving_view,
    sizing_view,
    to_plain,
    training_sizing_view,
    training_view,
    validation_view,
)

__all__ = [
    "CapacityResult",
    "CaseOutcome",
    "CrossValidation",
    "DoesNotFitError",
    "DraftMethod",
    "EngineSettings",
    "Estimate",
    "HeldOut",
    "InferenceLayout",
    "KvCacheDtype",
    "ModelArch",
    "Quant",
    "Recompute",
    "ReplicaSpec",
    "RequestSet",
    "SearchResult",
    "ServingDemand",
    "ServingEstimate",
    "ServingOptions",
    "ServingPoint",
    "ServingWorkload",
    "SizingRow",
    "Speculative",
    "TargetNotMetError",
    "TrainingResult",
    "TrainingSizing",
    "ValidationReport",
    "capacity_error_ratios",
    "cross_validate",
    "estimate",
    "estimate_serving",
    "estimate_view",
    "fixed_lengths",
    "load_lengths",
    "load_model",
    "model_fields",
    "model_view",
    "models_view",
    "search_layouts",
    "search_view",
    "serving_capacity",
    "serving_view",
    "sharegpt_like",
    "shipped_model_ids",
    "size_deployment",
    "size_replica",
    "size_training",
    "sizing_view",
    "to_plain",
    "training_error_ratios",
    "training_sizing_view",
    "training_throughput",
    "training_view",
    "validate_file",
    "validation_view",
]
