"""The machine a benchmark ran on, printed with every figure (speed depends on the CPU's vector units),
and where the labelled clips are (``../shared/fixtures``, or ``HINGE_REVIEW_FIXTURES`` on a machine where
they were copied elsewhere, such as the GPU machine: docs/gpu.md)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

VECTOR_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)


FIXTURES = Path(os.environ.get("HINGE_REVIEW_FIXTURES") or Path(__file__).resolve().parents[2] / "shared" / "fixtures")

# oneDNN (OpenVINO's and PyTorch's kernels) and PyTorch's own kernels use no wider vectors than these say:
# ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 stands in for a processor without AVX-512 (docs/batch.md)
ISA_CAPS = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")


def cpu_description() -> str:
    """CPU model, cores this process may use, and the vector extensions the kernel reports."""
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())  # the first processor's entry
    except OSError:
        pass
    model = fields.get("model name") or platform.processor() or "unknown CPU"
    flags = set(fields.get("flags", "").split())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    present = [f for f in VECTOR_FLAGS if f in flags]
    capped = [f"{k}={os.environ[k]}" for k in ISA_CAPS if os.environ.get(k)]
    return f"{model}; {cores} cores available; vector extensions: {' '.join(present) or 'none reported'}" + (
        f"; capped by {' '.join(capped)}" if capped else ""
    )


def child_result(args: list[str], what: str, cwd: Path) -> dict:
    """Run ``python args...`` in a fresh process (so its memory and imports are its own) and return the
    JSON document on its last line; stop the benchmark with the child's error if it failed."""
    proc = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {what} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
