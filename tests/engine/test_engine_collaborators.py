"""The engine is built of collaborators, not mixins: no engine class inherits behaviour from another engine
class to share its state. A base class from the engine may only be a Protocol, a dataclass (typed data),
an exception, an enum, or an abstract plugin interface (an ABC whose subclasses implement its abstract
methods: a breaker, a strategy). Read from the source with ``ast``, so a new mixin fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import dexbot

ENGINE = Path(dexbot.__file__).parent / "engine"
ENUMS = {"Enum", "StrEnum", "IntEnum", "Flag", "IntFlag"}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ENGINE.parent.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _decorator_name(node: ast.expr) -> str:
    return _base_name(node.func if isinstance(node, ast.Call) else node)


class Classes:
    """Every class of the engine, by module, and how each module's names resolve to engine classes."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.defs: dict[tuple[str, str], ast.ClassDef] = {}
        self.imports: dict[str, dict[str, tuple[str, str]]] = {}
        for module, src in sources.items():
            tree = ast.parse(src)
            names = self.imports.setdefault(module, {})
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    self.defs[(module, node.name)] = node
                    names[node.name] = (module, node.name)
                elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dexbot.engine"):
                    for alias in node.names:
                        names[alias.asname or alias.name] = (node.module or "", alias.name)

    def resolve(self, module: str, name: str) -> tuple[str, str] | None:
        key = self.imports.get(module, {}).get(name)
        if key is None:
            return None
        if key in self.defs:
            return key
        return self.resolve(key[0], key[1]) if key[0] in self.imports and key[0] != module else None

    def allowed_base(self, key: tuple[str, str]) -> bool:
        node = self.defs[key]
        bases = {_base_name(b) for b in node.bases}
        if "Protocol" in bases or bases & ENUMS:
            return True
        if any(_decorator_name(d) == "dataclass" for d in node.decorator_list):
            return True
        if any(
            isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            and any(_decorator_name(d) == "abstractmethod" for d in f.decorator_list)
            for f in node.body
        ):
            return True  # an abstract plugin interface
        return self.is_exception(key)

    def is_exception(self, key: tuple[str, str]) -> bool:
        for base in self.defs[key].bases:
            name = _base_name(base)
            inner = self.resolve(key[0], name)
            if inner is not None and self.is_exception(inner):
                return True
            if inner is None and (name.endswith(("Error", "Exception")) or name in {"Warning"}):
                return True
        return False

    def mixins(self) -> list[str]:
        """``module.Class -> module.Base`` for every engine base that is none of the allowed kinds."""
        out = []
        for (module, name), node in sorted(self.defs.items()):
            for base in node.bases:
                target = self.resolve(module, _base_name(base))
                if target is not None and target != (module, name) and not self.allowed_base(target):
                    out.append(f"{module}.{name} -> {target[0]}.{target[1]}")
        return out


def _engine_sources() -> dict[str, str]:
    return {_module_name(p): p.read_text() for p in sorted(ENGINE.rglob("*.py"))}


def test_no_engine_class_inherits_behaviour_from_another_engine_class() -> None:
    classes = Classes(_engine_sources())
    assert len(classes.defs) > 100  # the whole engine was read
    assert classes.mixins() == []


def test_a_mixin_over_shared_state_is_caught() -> None:
    sources = _engine_sources() | {
        "dexbot.engine.desk": "class DeskState:\n    block: int\n",
        "dexbot.engine.market.discovery": (
            "from dexbot.engine.desk import DeskState\nclass Discovery(DeskState):\n    pass\n"
        ),
        "dexbot.engine.trader": (
            "from dexbot.engine.market.discovery import Discovery\n"
            "from dexbot.engine.exits.desk import ExitDesk\n"
            "from dexbot.engine.breakers.base import Breaker\n"
            "class Trader(Discovery, ExitDesk):\n    pass\n"
            "class Fine(Breaker):\n    pass\n"
        ),
    }
    assert Classes(sources).mixins() == [
        "dexbot.engine.market.discovery.Discovery -> dexbot.engine.desk.DeskState",
        "dexbot.engine.trader.Trader -> dexbot.engine.market.discovery.Discovery",
        "dexbot.engine.trader.Trader -> dexbot.engine.exits.desk.ExitDesk",
    ]
