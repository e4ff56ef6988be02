"""The accelerator backends code can name, and how a name is read: ``torch_npu``, ``is_xpu_available``,
``"cuda:0"``, ``CUDAAccelerator`` and ``MULTI_NPU`` each name one backend.

A name is split into words at underscores, dots, colons, digits and case changes (``XLAAccelerator`` is ``xla`` and
``accelerator``), so ``cuda`` inside ``cudaMalloc`` or ``flash_attn_cuda`` counts and ``ship`` does not name HIP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CUDA = "cuda"
"""The backend being ported away from."""
CUDA_WORDS = frozenset({"cuda", "cudnn", "nccl", "cublas", "nvidia", "nvml", "nvtx"})
"""Words that name CUDA or a part of NVIDIA's stack."""
OTHER_BACKEND_WORDS: dict[str, str] = {
    "npu": "npu",
    "ascend": "npu",
    "hccl": "npu",
    "xpu": "xpu",
    "xccl": "xpu",
    "ccl": "xpu",
    "mlu": "mlu",
    "cncl": "mlu",
    "musa": "musa",
    "mccl": "musa",
    "mps": "mps",
    "hpu": "hpu",
    "habana": "hpu",
    "gaudi": "hpu",
    "sdaa": "sdaa",
    "gcu": "gcu",
    "supa": "supa",
    "klxpu": "klxpu",
    "xla": "xla",
    "tpu": "xla",
    "ipu": "ipu",
    "mtia": "mtia",
    "neuron": "neuron",
    "hip": "rocm",
    "rocm": "rocm",
    "amd": "rocm",
    "dcu": "rocm",
    "maia": "maia",
    "privateuseone": "privateuseone",
    "webgpu": "webgpu",
    "dml": "directml",
    "directml": "directml",
    "xnnpack": "xnnpack",
    "mlx": "mlx",
    "coreml": "coreml",
    "vulkan": "vulkan",
    "openvino": "openvino",
    "qnn": "qnn",
}
"""Words that name another accelerator backend, and the backend each names (``hccl`` is Ascend's, ``tpu`` XLA's);
also the execution providers and export targets that tables of ONNX Runtime or ExecuTorch key beside ``"cuda"``
(``webgpu``, ``dml``, ``xnnpack``, ``mlx`` ...).

``cpu`` is not here: a CPU fallback does not make code multi-backend."""

INDEXED_CUDA_TEMPLATE = re.compile(r"cuda:(?:\{0?\}|%[dis])?")
"""The text of a CUDA device string waiting for its index: ``"cuda:{}"`` (``.format``), ``"cuda:%d"`` (``%``),
``"cuda:"`` (``+``). Scan reports such strings as ``f"cuda:{i}"`` (CS143) and migrate rewrites them, from this one
pattern."""

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def words(text: str) -> list[str]:
    """Lower-case words of an identifier or a string (``CUDA_Accelerator`` -> ``cuda``, ``accelerator``)."""
    return [word.lower() for word in _WORD.findall(text)]


def backends_in(texts: Iterable[str]) -> frozenset[str]:
    """Backends named by ``texts``: ``cuda`` for CUDA's words, the backend's id for any other's."""
    found: set[str] = set()
    for text in texts:
        for word in words(text):
            if word in CUDA_WORDS:
                found.add(CUDA)
            elif word in OTHER_BACKEND_WORDS:
                found.add(OTHER_BACKEND_WORDS[word])
    return frozenset(found)


def names_other_backend(backends: Iterable[str]) -> bool:
    """Whether ``backends`` holds an accelerator backend other than CUDA."""
    return any(backend != CUDA for backend in backends)


def names_cuda_only(text: str) -> bool:
    """Whether ``text`` (a class, function or module name) names CUDA and no other backend."""
    return backends_in([text]) == {CUDA}


PATH_BACKEND_WORDS: dict[str, str] = {**OTHER_BACKEND_WORDS, "ck": "rocm"}
"""Words that name a backend in a file or folder name: the code words, and ``ck`` (AMD's composable_kernel, as in
flash-attn's ``flash_attn_ck``), too short to read in code."""


def backend_of_path_part(part: str) -> str | None:
    """The one accelerator backend other than CUDA that a file or folder name names (``flash_attn_triton_amd`` ->
    ``rocm``, ``npu_accelerator`` -> ``npu``), or None: no backend, CUDA, or several."""
    named = {CUDA if word in CUDA_WORDS else PATH_BACKEND_WORDS.get(word) for word in words(part)} - {None}
    return next(iter(named)) if len(named) == 1 and CUDA not in named else None


INTEGER_DEVICE_NAME = re.compile(
    r"(?:local_?)?rank|gpus?|gpu_?(?:id|idx|index|num|no)|(?:cuda_)?device_?(?:id|idx|index|num|no)|dev_?id|cuda_?device",
    re.IGNORECASE,
)
"""Names of integer device indexes, as training scripts call them (``gpu``, ``gpu_id``, ``local_rank``, ``rank``,
``device_id`` ...): to PyTorch an integer device is a CUDA device. Migrate rewrites such an index in a device position
(``model.to(self.gpu_id)``) and scan reports it (CS134), from this one pattern."""


def names_one_backend(text: str, *, cpu: bool = False) -> bool:
    """Whether ``text`` (a class, function or module name) names exactly one backend: CUDA, another accelerator's,
    or (with ``cpu``) the CPU (``CUDA_Accelerator``, ``HPU_Accelerator``, ``cpu_accelerator``, ``is_npu_available``)."""
    named = set(backends_in([text]))
    if cpu and "cpu" in words(text):
        named.add("cpu")
    return len(named) == 1


AMBIGUOUS_IN_PROSE = frozenset(
    {"ccl", "hip", "ascend", "neuron", "amd", "webgpu", "dml", "directml", "xnnpack", "mlx", "coreml", "vulkan",
     "openvino", "qnn"}
)  # fmt: skip
"""Words too common in comments and prose for :func:`other_backends_in_text`."""


def _alternation(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, grouped by first letter (``c(?:ncl)|d(?:cu)|g(?:audi|cu)``):
    three times faster to search than a flat alternation, which ``re`` tries word by word at every position."""
    ordered = sorted(words)
    groups = {word[0]: [w[1:] for w in ordered if w[0] == word[0]] for word in ordered}
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())


_OTHER_BACKEND_TEXT = re.compile(
    r"(?<![a-z0-9])(" + _alternation(set(OTHER_BACKEND_WORDS) - AMBIGUOUS_IN_PROSE) + r")(?![a-z0-9])"
)


def other_backends_in_text(text: str) -> frozenset[str]:
    """Other accelerator backends a source text names anywhere (a cheap test of a whole file, comments included)."""
    return frozenset(OTHER_BACKEND_WORDS[match] for match in _OTHER_BACKEND_TEXT.findall(text.lower()))
