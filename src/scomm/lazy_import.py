"""`lazy_module(name)`: a module imported only when one of its names is first used (the standard library's
`importlib.util.LazyLoader`). The analyses name their chart modules this way: a build computes each re-run
notebook's analysis in its own process and never draws there, so it need not import matplotlib (about 0.6 s,
1.5 s with the model charts); a notebook that draws imports the chart module at its first chart."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module `name`: the real one when it is already imported, else one that imports itself at the first
    use of any of its names (ModuleNotFoundError at once when there is no such module)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)  # `package.child` reads as after an import
    return module
