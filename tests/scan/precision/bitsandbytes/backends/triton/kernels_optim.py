import math
from typing import Optional

import torch

import triton
import triton.language as tl

# --- excerpt: lines 91-93, the body left out

@triton.jit
def _optimizer_precondition_1state_32bit(
    g_ptr,
):
    ...
