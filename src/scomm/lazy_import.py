"""Names used before their module is imported, with the standard library's machinery:

- `lazy_module(name)`: a module imported only when one of its names is first used
  (`importlib.util.LazyLoader`). The analyses name their model modules this way (statsmodels and scipy take
  about 1.1 s to import): a build's kernels show the analyses the build computed and never fit a model.
- `lazy_functions(name)`: the functions of a module, each a `LazyFunction` that imports the module when it is
  called and pickles as the two names. The analyses name their chart functions this way: a build computes
  each re-run notebook's analysis in its own process and never draws there, so it need not import matplotlib
  (about 0.6 s, 1.5 s with the model charts); the kernel that draws the chart imports its module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any


def _spec(name: str):
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return spec


def lazy_module(name: str) -> ModuleType:
    """The module `name`: the real one when it is already imported, else one that imports itself at the first
    use of any of its names (ModuleNotFoundError at once when there is no such module)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = _spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # `package.child` reads as after an import
    return module


@dataclass(frozen=True)
class LazyFunction:
    """The function `name` of module `module`, imported when called; pickled, it is the two names."""

    module: str
    name: str

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(self.module), self.name)(*args, **kwargs)


class LazyFunctions:
    """The functions of one module, named without importing it (see `lazy_functions`)."""

    def __init__(self, module: str):
        self._module = module

    def __getattr__(self, name: str) -> LazyFunction:
        if name.startswith("__"):  # copy, pickle and the like ask for special names: not functions
            raise AttributeError(name)
        return LazyFunction(self._module, name)


def lazy_functions(name: str) -> Any:
    """The functions of module `name`: `lazy_functions("scomm.figure_charts").funnel_chart` is a `LazyFunction`
    (ModuleNotFoundError at once when there is no such module; a misspelt function fails when called)."""
    _spec(name)
    return LazyFunctions(name)
