"""Settings that make a build's numbers the same bytes on every machine, set where a process starts.

- String hashing is fixed in the kernels (`PYTHONHASHSEED`), so sets and dicts of strings iterate alike.
- OpenBLAS (under numpy and scipy, so statsmodels' model fits) picks its kernels for the CPU it finds, and
  its AVX-512 kernels round some sums differently in the last bit from its AVX2 ones: a Cox hazard ratio
  written as 1.0432621697004205 on one machine is 1.0432621697004203 on another. On an x86-64 CPU with
  AVX2 and FMA the AVX2 (`Haswell`) kernels are chosen, those the committed outputs were made with. The
  variable must be set before numpy is first imported: `pin` runs first thing in `scomm`'s entry
  point, and the kernels a build starts inherit it. A value the user set is kept.
- numpy has its own code for the CPU it finds: on a CPU with AVX-512 its `exp` and `log` (which statsmodels'
  Kaplan-Meier curve and Cox fits use) take AVX-512 loops that differ in the last bit from those it takes
  elsewhere (a share written as 85.50955414012739 on one machine is 85.5095541401274 on another). Where the
  CPU has AVX-512, those loops are switched off (`NPY_DISABLE_CPU_FEATURES`), before numpy loads, as above.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, MutableMapping
from pathlib import Path

BLAS_CORE_VARIABLE = "OPENBLAS_CORETYPE"
BLAS_CORE = "Haswell"  # OpenBLAS's AVX2 + FMA kernels
NUMPY_FEATURES_VARIABLE = "NPY_DISABLE_CPU_FEATURES"
NUMPY_AVX512 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")  # numpy's AVX-512 code targets (numpy 2.4's names)
CPUINFO = Path("/proc/cpuinfo")


def _x86_flags(machine: str, cpuinfo: str) -> set[str]:
    """The CPU flags /proc/cpuinfo lists when `machine` is x86-64 (none for another architecture)."""
    if machine.lower() not in ("x86_64", "amd64"):
        return set()
    return set(next((line.split(":", 1)[1].split() for line in cpuinfo.splitlines() if line.startswith("flags")), []))


def blas_core(machine: str, cpuinfo: str) -> str | None:
    """The OpenBLAS kernels to pin on a CPU of architecture `machine` whose /proc/cpuinfo reads `cpuinfo`:
    `BLAS_CORE` when it is x86-64 with AVX2 and FMA, else None (OpenBLAS then chooses)."""
    return BLAS_CORE if {"avx2", "fma"} <= _x86_flags(machine, cpuinfo) else None


def numpy_disabled(machine: str, cpuinfo: str) -> str | None:
    """The numpy code targets to switch off on a CPU of architecture `machine` whose /proc/cpuinfo reads
    `cpuinfo`: its AVX-512 ones (`NUMPY_AVX512`) when the CPU has AVX-512, else None (nothing to switch off)."""
    return " ".join(NUMPY_AVX512) if "avx512f" in _x86_flags(machine, cpuinfo) else None


def pin(environ: MutableMapping[str, str]) -> None:
    """Set `BLAS_CORE_VARIABLE` (as `blas_core` says) and `NUMPY_FEATURES_VARIABLE` (as `numpy_disabled` says)
    in `environ`, the process's own before numpy loads, each where it names something for this machine and
    the variable is not set already."""
    try:
        cpuinfo = CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:  # not Linux: OpenBLAS and numpy choose
        return
    for variable, choose in ((BLAS_CORE_VARIABLE, blas_core), (NUMPY_FEATURES_VARIABLE, numpy_disabled)):
        value = choose(platform.machine(), cpuinfo)
        if value is not None and variable not in environ:
            environ[variable] = value


def kernel_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment a build's kernels run with: `base` (the build's own, its BLAS kernels pinned by
    `pin`), with string hashing fixed so that sets and dicts of strings iterate the same way in every
    kernel."""
    env = dict(base)
    env["PYTHONHASHSEED"] = "0"
    return env
