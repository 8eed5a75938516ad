"""The hand-written `_native.pyi` is the contract: it must name exactly what the
extension exports, with the same members on each class."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from hoody_exec import _native

STUB = Path(_native.__file__).with_name("_native.pyi")
TYPE_ALIASES = {"HostHandler"}


def stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def public(names: set[str]) -> set[str]:
    return {n for n in names if not n.startswith("_") or n == "__version__"}


def test_stub_names_match_the_module():
    declared: set[str] = set()
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
        elif isinstance(node, ast.Assign):
            declared.update(t.id for t in node.targets if isinstance(t, ast.Name))
    exported = public(set(dir(_native))) - {"HostHandler"}
    assert public(declared) - TYPE_ALIASES == exported


def test_stub_classes_declare_every_public_member():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(_native, node.name)
        if issubclass(cls, BaseException):
            continue  # attributes are set on instances
        declared = {
            n.name if isinstance(n, ast.FunctionDef) else n.target.id  # type: ignore[union-attr]
            for n in node.body
            if isinstance(n, ast.FunctionDef)
            or (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name))
        }
        actual = {n for n, _ in inspect.getmembers(cls) if not n.startswith("_")}
        assert public(declared) - {"__init__"} == actual, node.name
