"""Settings that make a build's numbers the same bytes on every machine, set where a process starts.

- String hashing is fixed in the kernels (`PYTHONHASHSEED`), so sets and dicts of strings iterate alike.
- OpenBLAS (under numpy and scipy, so statsmodels' model fits) picks its kernels for the CPU it finds, and
  its AVX-512 kernels round some sums differently in the last bit from its AVX2 ones: a Cox hazard ratio
  written as 1.0432621697004205 on one machine is 1.0432621697004203 on another. On an x86-64 CPU with
  AVX2 and FMA the AVX2 (`Haswell`) kernels are chosen, those the committed outputs were made with. The
  variable must be set before numpy is first imported: `pin_blas` runs first thing in `scomm`'s entry
  point, and the kernels a build starts inherit it. A value the user set is kept.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, MutableMapping
from pathlib import Path

BLAS_CORE_VARIABLE = "OPENBLAS_CORETYPE"
BLAS_CORE = "Haswell"  # OpenBLAS's AVX2 + FMA kernels
CPUINFO = Path("/proc/cpuinfo")


def blas_core(machine: str, cpuinfo: str) -> str | None:
    """The OpenBLAS kernels to pin on a CPU of architecture `machine` whose /proc/cpuinfo reads `cpuinfo`:
    `BLAS_CORE` when it is x86-64 with AVX2 and FMA, else None (OpenBLAS then chooses)."""
    if machine.lower() not in ("x86_64", "amd64"):
        return None
    flags = next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), [])
    return BLAS_CORE if {"avx2", "fma"} <= set(flags) else None


def pin_blas(environ: MutableMapping[str, str]) -> None:
    """Set `BLAS_CORE_VARIABLE` in `environ` (the process's own, before numpy loads) where `blas_core`
    names kernels for this machine and the variable is not set already."""
    if BLAS_CORE_VARIABLE in environ:
        return
    try:
        cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: OpenBLAS chooses
        return
    core = blas_core(platform.machine(), cpuinfo)
    if core is not None:
        environ[BLAS_CORE_VARIABLE] = core


def kernel_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment a build's kernels run with: `base` (the build's own, its BLAS kernels pinned by
    `pin_blas`), with string hashing fixed so that sets and dicts of strings iterate the same way in every
    kernel."""
    env = dict(base)
    env["PYTHONHASHSEED"] = "0"
    return env
