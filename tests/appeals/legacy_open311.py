"""Import the `open311` client (PyPI open311 1.1, Code for America, 2011) on Python 3, unchanged.

It was written for Python 2: its modules import each other by implicit relative imports
(`from api import API`, `from xml2dict import xml2dict`, `from object_dict import object_dict`,
and the package's `__init__` does `from open311 import Open311` meaning its own module), which
Python 3 reads as absolute imports of modules that do not exist. So we load its files ourselves
under the names those imports ask for, without running the two `__init__`s that only re-export.

One name it imports needs Python 2's meaning, not just its place: it POSTs with
`urlopen(url, data)` where `data` is a `str` (bytes in Python 2); Python 3's urlopen wants bytes,
so `api.api.urlopen` is bound to one that encodes a str body first. The client's own code runs
as published.
"""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any


def _load(name: str, path: Path, package_dir: Path | None = None) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        name, path, submodule_search_locations=[str(package_dir)] if package_dir else None)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _package(name: str, directory: Path) -> ModuleType:
    """A package module without running its `__init__` (which only re-exports)."""
    module = ModuleType(name)
    module.__path__ = [str(directory)]
    sys.modules[name] = module
    return module


def urlopen(url: str, data: str | bytes | None = None, *args: Any, **kwargs: Any) -> Any:
    """Python 2's urlopen: a str body is sent as its bytes (application/x-www-form-urlencoded)."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    return urllib.request.urlopen(url, body, *args, **kwargs)


ALIASES = ("object_dict", "xml2dict", "xml2dict.xml2dict", "api", "api.api")


def load() -> Any:
    """The package's `Open311` class."""
    loaded = sys.modules.get("open311")
    if loaded is not None and hasattr(loaded, "Open311"):
        return loaded.Open311
    spec = importlib.util.find_spec("open311")  # locates the package without importing it
    assert spec is not None and spec.submodule_search_locations, "pip install open311"
    root = Path(next(iter(spec.submodule_search_locations)))
    xml_dir = root / "api" / "xml2dict"
    try:
        _load("object_dict", xml_dir / "object_dict.py")
        _load("xml2dict", xml_dir / "__init__.py", xml_dir)
        api = _package("api", root / "api")
        api_api = _load("api.api", root / "api" / "api.py")
        api_api.urlopen = urlopen  # type: ignore[attr-defined]
        api.API = api_api.API  # type: ignore[attr-defined]  # what `from api import API` wants
        package = _package("open311", root)
        module = _load("open311.open311", root / "open311.py")
        package.Open311 = module.Open311  # type: ignore[attr-defined]
    finally:  # its names were bound at import; no top-level "api" etc. left for anyone else
        for name in ALIASES:
            sys.modules.pop(name, None)
    return module.Open311
