"""The import direction of STYLE.md, checked by parsing every module with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "deepscope"
# Top-level modules that make up the public API layer.
API_MODULES = {"_api", "_check", "run", "_open", "export", "_lifecycle", "_values", "_sysinfo",
               "_names", "keras", "lightning", "testing"}
# Entry points: the package root re-exports everything, and ``_serve`` starts the server; the only
# modules (with cli, through them) allowed to reach ``server``.
ENTRY_MODULES = {"__init__", "_serve"}
# layer -> layers it may import (its own layer is always allowed)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "records": {"errors"},
    "summarize": {"records", "errors"},
    "store": {"records", "errors"},
    "query": {"store", "records", "errors"},
    "capture": {"summarize", "graph", "records", "errors"},
    "graph": {"records", "errors"},
    "interop": {"store", "query", "graph", "records", "errors", "summarize"},
    "diagnose": {"query", "records", "errors"},
    "analysis": {"query", "records", "errors", "summarize"},
    "version": set(),
    "api": {"capture", "summarize", "store", "query", "graph", "diagnose", "analysis",
            "interop", "records", "errors", "version"},
    "server": {"query", "diagnose", "analysis", "graph", "records", "errors", "version"},
    "entry": {"api", "server", "capture", "summarize", "store", "query", "graph", "diagnose",
              "analysis", "interop", "records", "errors", "version"},
    "cli": {"entry", "api", "query", "diagnose", "graph", "interop", "records", "errors",
            "version"},
}


def layer_of(module: str) -> str:
    """``deepscope.store.sqlite`` -> ``store``; top-level API modules -> ``api``."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head == "_version":
        return "version"
    if head in ENTRY_MODULES:
        return "entry"
    return "api" if head in API_MODULES else head


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts
    return ".".join(parts)


def imported_modules(path: Path) -> list[str]:
    """Absolute names of the deepscope modules that ``path`` imports."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "deepscope"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "deepscope":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                is_module = (SRC.parent / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    SRC.parent / Path(*sub.split("."))).is_dir()
                out.append(sub if is_module else target)
    return out


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_layering(path: Path) -> None:
    source_layer = layer_of(module_name(path))
    assert source_layer in ALLOWED, f"{path}: unknown layer {source_layer!r}; add it to ALLOWED"
    for target in imported_modules(path):
        target_layer = layer_of(target)
        ok = target_layer == source_layer or target_layer in ALLOWED[source_layer]
        assert ok, f"{module_name(path)} ({source_layer}) must not import {target} ({target_layer})"


def test_the_checker_catches_a_violation(tmp_path: Path) -> None:
    # The rules above must be able to fail: store importing the run layer is forbidden.
    assert "api" not in ALLOWED["store"] and "server" not in ALLOWED["query"]
    assert layer_of("deepscope.run") == "api" and layer_of("deepscope.store.writer") == "store"
    assert imported_modules(SRC / "store" / "writer.py")  # the parser sees relative imports
    assert "deepscope.store.chunks" in imported_modules(SRC / "store" / "writer.py")


def test_nothing_imports_cli_or_server() -> None:
    # Only the entry points start a server; nothing but the console script reaches the CLI.
    for path in MODULES:
        src = layer_of(module_name(path))
        for target in imported_modules(path):
            if src not in ("cli", "server", "entry"):
                assert layer_of(target) not in ("cli", "server"), f"{path} imports {target}"
            if src != "cli":
                assert layer_of(target) != "cli", f"{path} imports {target}"
            if layer_of(target) == "server":
                assert src in ("server", "entry"), f"{path} imports {target}"
