"""Lazy package exports: names imported on first use, so that importing a package (and parsing
a CLI's flags) does not import TensorFlow.

In a package's ``__init__.py``::

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {"pkg.module": ("name", ...)})
"""
import importlib
import sys


def lazy_exports(package, exports, aliases=None):
    """(``__getattr__``, ``__dir__``, ``__all__``) for ``package`` exporting ``exports``
    ({module: names}) and ``aliases`` ({name: (module, attribute)})."""
    where = {name: (module, name) for module, names in exports.items() for name in names}
    where.update(aliases or {})
    names = sorted(where)

    def __getattr__(name):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = where[name]
        value = getattr(importlib.import_module(module), attribute)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__, names
