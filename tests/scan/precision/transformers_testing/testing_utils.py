# Copyright 2020 The HuggingFace Team. All rights reserved.  (excerpt: transformers/testing_utils.py lines 245-254)
from transformers.utils import is_torch_available

if is_torch_available():
    import torch
    from safetensors.torch import load_file

    from .modeling_utils import PreTrainedModel

    IS_ROCM_SYSTEM = torch.version.hip is not None
    IS_CUDA_SYSTEM = torch.version.cuda is not None
    IS_XPU_SYSTEM = getattr(torch.version, "xpu", None) is not None
    IS_NPU_SYSTEM = getattr(torch, "npu", None) is not None
