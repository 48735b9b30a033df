"""Names a package hands out from submodules loaded on first use (PEP 562), so that importing the
package does not import torch: the command line's parser and ``--help`` start in a fraction of a
second, and ``kit`` or ``info`` pay only for what they run."""
from __future__ import annotations

from importlib import import_module
from typing import Callable


def lazy_names(package: str, where: dict[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``where`` maps each name to its submodule."""
    def __getattr__(name: str):
        if name in where:
            return getattr(import_module(f".{where[name]}", package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    return __getattr__
