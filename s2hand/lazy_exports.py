"""Package namespaces whose names are imported on first use (PEP 562).

:mod:`s2hand.data` and :mod:`s2hand.losses` use it so that their torch-free tables (the dataset
catalog, the loss table) can be read by the configuration without importing torch.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]
                 ) -> tuple[list[str], Callable[[str], object], Callable[[], list[str]]]:
    """``(__all__, __getattr__, __dir__)`` for ``package`` exporting ``{module: names}``.

    A module must not share its name with one of the names it exports: once imported, the
    submodule would shadow that name on the package.
    """
    module_of = {name: module for module, names in exports.items() for name in names}
    clashes = sorted(set(module_of) & set(exports))
    if clashes:
        raise ValueError(f"{package}: modules named like an export: {clashes}")
    names = sorted(module_of)

    def getattr_(name: str) -> object:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return names, getattr_, lambda: names
