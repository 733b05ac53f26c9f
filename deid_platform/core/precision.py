"""Numeric precision and free memory of the device a model runs on: what a preset asks for,
resolved against the hardware, with any fallback said in one line."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from deid_platform.core.errors import UserError

PRECISIONS = ("auto", "bf16", "fp16", "fp32")
NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}


@dataclass(frozen=True)
class Precision:
    dtype: torch.dtype
    note: str | None
    """Why the request was not honoured, in one line; None when it was."""

    @property
    def name(self) -> str:
        return NAMES[self.dtype]


def on_cuda(device: str | torch.device | None) -> bool:
    """Whether `device` is a CUDA device; None means the default, CUDA when there is one."""
    if device is None:
        return torch.cuda.is_available()
    return torch.device(device).type == "cuda"


def resolve_precision(precision: str, device: str | torch.device | None) -> Precision:
    """`auto` and `bf16`: bf16 on a GPU that has it, fp16 on one that does not. Half precision
    only on CUDA: CPU kernels for it are slow or missing, so the CPU computes in float32."""
    if precision not in PRECISIONS:
        raise UserError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if not on_cuda(device):
        if precision == "fp32":
            return Precision(torch.float32, None)
        return Precision(torch.float32, f"precision {precision}: float32 on the CPU")
    if precision == "fp32":
        return Precision(torch.float32, None)
    if precision == "fp16":
        return Precision(torch.float16, None)
    if torch.cuda.is_bf16_supported():
        return Precision(torch.bfloat16, None)
    return Precision(torch.float16, f"precision {precision}: this GPU has no bf16, fp16 instead")


def free_memory(device: str | torch.device | None) -> int:
    """Bytes a new allocation can take on `device`: free GPU memory, or available RAM."""
    if on_cuda(device):
        return torch.cuda.mem_get_info(device)[0]
    import psutil  # a dependency of accelerate, which transformers' Trainer requires

    return psutil.virtual_memory().available
