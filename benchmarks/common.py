"""What every benchmark shares: where the real corpora are, the machine, and the final JSON."""

import json
import os
import platform
import sys
from pathlib import Path

import torch

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def machine() -> dict:
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "gpu": gpu,
        "python": platform.python_version(),
        "torch": torch.__version__,
    }


def emit(result: dict) -> None:
    """Benchmarks end with one JSON object on their last line."""
    sys.stdout.flush()
    print(json.dumps(result, default=float))
