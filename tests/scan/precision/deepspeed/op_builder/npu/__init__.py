# SPDX-License-Identifier: Apache-2.0
# DeepSpeed Team
'''Copyright The Microsoft DeepSpeed Team'''

from .fused_adam import FusedAdamBuilder
from .fused_lamb import FusedLambBuilder
from .fused_lion import FusedLionBuilder
from .async_io import AsyncIOBuilder
from .pin_memory import PinMemoryBuilder
from .no_impl import NotImplementedBuilder
from .cpu_adam import CPUAdamBuilder
from .cpu_adagrad import CPUAdagradBuilder
from .cpu_lion import CPULionBuilder
from .inference import InferenceBuilder
from .quantizer import QuantizerBuilder
