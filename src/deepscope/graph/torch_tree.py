"""The module tree of a live PyTorch model: types, parameter shapes and counts.

Tied (shared) parameters are listed in every module that holds them but counted once: the
second holder's entry carries ``shared_with`` naming the first.
"""

from __future__ import annotations

from typing import Any

from torch import nn


def module_tree(root: nn.Module) -> dict[str, Any]:
    """A JSON-ready tree: ``{"path", "type", "params", "param_count", "children"}``.

    The root also carries ``total_params`` and ``trainable_params`` (each parameter once).
    """
    seen: dict[int, str] = {}
    tree = _node(root, "", seen)
    unique = {id(p): p for p in root.parameters()}
    tree["total_params"] = sum(p.numel() for p in unique.values())
    tree["trainable_params"] = sum(p.numel() for p in unique.values() if p.requires_grad)
    return tree


def _node(module: nn.Module, path: str, seen: dict[int, str]) -> dict[str, Any]:
    params = []
    own = 0
    for name, p in module.named_parameters(recurse=False):
        full = f"{path}.{name}" if path else name
        entry: dict[str, Any] = {"name": full, "shape": list(p.shape),
                                 "dtype": str(p.dtype).removeprefix("torch."),
                                 "numel": p.numel(), "trainable": p.requires_grad}
        if id(p) in seen:
            entry["shared_with"] = seen[id(p)]
        else:
            seen[id(p)] = full
            own += p.numel()
        params.append(entry)
    children = [_node(child, f"{path}.{name}" if path else name, seen)
                for name, child in module.named_children()]
    return {"path": path, "type": type(module).__name__, "params": params,
            "param_count": own + sum(c["param_count"] for c in children),
            "children": children}
