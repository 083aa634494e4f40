"""The settings that make a build's numbers the same bytes on every machine (scomm.same_bytes)."""

from __future__ import annotations

from scomm import same_bytes

AVX512 = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw\nbogomips\t: 4800\n"
AVX2 = "flags\t\t: fpu sse2 avx avx2 fma\n"
OLD = "flags\t\t: fpu sse2 sse4_2 avx\n"


def test_the_avx2_kernels_are_pinned_on_any_x86_cpu_that_has_them():
    assert same_bytes.blas_core("x86_64", AVX512) == "Haswell"  # not the AVX-512 kernels it would choose
    assert same_bytes.blas_core("AMD64", AVX2) == "Haswell"
    assert same_bytes.blas_core("x86_64", OLD) is None  # no AVX2: OpenBLAS chooses
    assert same_bytes.blas_core("aarch64", AVX2) is None  # another architecture: its own kernels
    assert same_bytes.blas_core("x86_64", "") is None


def test_numpys_avx512_code_is_switched_off_only_where_the_cpu_has_it():
    assert same_bytes.numpy_disabled("x86_64", AVX512) == "X86_V4 AVX512_ICL AVX512_SPR"
    assert same_bytes.numpy_disabled("x86_64", AVX2) is None  # numpy's AVX2 code: the committed outputs'
    assert same_bytes.numpy_disabled("aarch64", AVX512) is None


def test_the_numpy_targets_switched_off_are_names_this_numpy_knows():
    """numpy ignores a name it does not know: a numpy that renamed its AVX-512 targets would silently take them
    again, so the names must be among the targets this numpy was built with."""
    from numpy._core._multiarray_umath import __cpu_dispatch__

    assert set(same_bytes.NUMPY_AVX512) <= set(__cpu_dispatch__)


def test_pinning_keeps_a_users_choice_and_reads_the_cpu_otherwise(tmp_path, monkeypatch):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(AVX512)
    monkeypatch.setattr(same_bytes, "CPUINFO", cpuinfo)
    monkeypatch.setattr(same_bytes.platform, "machine", lambda: "x86_64")
    environ: dict[str, str] = {}
    same_bytes.pin(environ)
    assert environ == {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"}
    chosen = {"OPENBLAS_CORETYPE": "SkylakeX", "NPY_DISABLE_CPU_FEATURES": ""}
    same_bytes.pin(chosen)
    assert chosen == {"OPENBLAS_CORETYPE": "SkylakeX", "NPY_DISABLE_CPU_FEATURES": ""}
    cpuinfo.write_text(AVX2)
    avx2: dict[str, str] = {}
    same_bytes.pin(avx2)
    assert avx2 == {"OPENBLAS_CORETYPE": "Haswell"}
    monkeypatch.setattr(same_bytes, "CPUINFO", tmp_path / "absent")
    elsewhere: dict[str, str] = {}
    same_bytes.pin(elsewhere)  # no /proc/cpuinfo (not Linux): nothing set
    assert elsewhere == {}


def test_kernels_hash_strings_alike_and_keep_the_builds_environment():
    env = same_bytes.kernel_env({"OPENBLAS_CORETYPE": "Haswell", "PATH": "/bin"})
    assert env == {"OPENBLAS_CORETYPE": "Haswell", "PATH": "/bin", "PYTHONHASHSEED": "0"}


PINNED_BY_ENTRY_POINT = (  # what a command sees once `scomm` dispatched it: the pin set, numpy not yet loaded
    "import json, os, sys\nfrom scomm import cli\n"
    "def report(args):\n"
    "    print(json.dumps([os.environ.get('OPENBLAS_CORETYPE'), os.environ.get('NPY_DISABLE_CPU_FEATURES'),\n"
    "                      'numpy' in sys.modules]))\n    return 0\n"
    "class Args:\n    command = 'build'\n    func = staticmethod(report)\n"
    "cli.build_parser = lambda: type('Parser', (), {'parse_args': lambda self, argv: Args()})()\n"
    "sys.exit(cli.main([]))\n"
)


def test_the_entry_point_pins_the_blas_kernels_before_numpy_loads():
    """`scomm`'s entry point sets the pins (where this machine's CPU has the kernels) before any command runs,
    and before numpy is imported, so OpenBLAS and numpy read them; it fails if `main` stops calling `pin`."""
    import json
    import os
    import platform
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES")}
    done = subprocess.run(
        [sys.executable, "-c", PINNED_BY_ENTRY_POINT], capture_output=True, text=True, env=env, check=True
    )
    try:
        cpuinfo = same_bytes.CPUINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        cpuinfo = ""
    machine = platform.machine()
    assert json.loads(done.stdout) == [
        same_bytes.blas_core(machine, cpuinfo),
        same_bytes.numpy_disabled(machine, cpuinfo),
        False,
    ]
