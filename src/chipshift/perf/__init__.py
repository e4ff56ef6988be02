"""perf: an analytical performance model of LLM inference and training on chips, servers and supernodes.

Public API:

- :func:`serving_capacity` (output tokens/s per chip under TTFT/TPOT targets, smallest replica that fits),
- :func:`size_deployment` (chips and servers of each candidate for a serving demand), :func:`size_training`,
- :func:`training_throughput` (best training layout on N chips: tokens/s per chip, MFU),
- :func:`estimate` (prefill and decode with a per-operator breakdown), :func:`validate_file`,
- :func:`load_model` and :func:`shipped_model_ids` (architectures from Hugging Face ``config.json``).
"""

from chipshift.perf.capacity import CapacityResult, serving_capacity
from chipshift.perf.estimate import Estimate, estimate
from chipshift.perf.models import ModelArch, load_model, shipped_model_ids
from chipshift.perf.search import SearchResult, search_inference
from chipshift.perf.sizing import (
    ServingDemand,
    SizingRow,
    TrainingSizing,
    size_deployment,
    size_training,
    training_throughput,
)
from chipshift.perf.training import TrainingResult
from chipshift.perf.validate import ValidationReport, validate_file

__all__ = [
    "CapacityResult",
    "Estimate",
    "ModelArch",
    "SearchResult",
    "ServingDemand",
    "SizingRow",
    "TrainingResult",
    "TrainingSizing",
    "ValidationReport",
    "estimate",
    "load_model",
    "search_inference",
    "serving_capacity",
    "shipped_model_ids",
    "size_deployment",
    "size_training",
    "training_throughput",
    "validate_file",
]
