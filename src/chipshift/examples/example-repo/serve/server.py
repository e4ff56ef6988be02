"""Serve a model with vLLM on CUDA."""

import pynvml
import torch
from vllm import LLM, SamplingParams


def gpu_memory_free() -> int:
    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    return pynvml.nvmlDeviceGetMemoryInfo(handle).free


def main() -> None:
    assert torch.cuda.is_available(), "needs a GPU"
    llm = LLM(model="Qwen/Qwen3-32B", tensor_parallel_size=torch.cuda.device_count(), dtype="bfloat16")
    params = SamplingParams(max_tokens=512)
    print(llm.generate(["你好"], params)[0].outputs[0].text, gpu_memory_free())


if __name__ == "__main__":
    main()
