"""No module of dexbot imports itself back, even lazily inside a function: a cycle is how dead code hides
(``RpcClient.w3`` lived on one) and it makes any layering inside a package impossible to state. And the
TUI sees the engine only through ``engine.api``, which imports nothing else of the engine.

grimp (import-linter's graph) reads every import statement, including those inside functions and under
``TYPE_CHECKING``; the standard library's topological sorter names the cycle when there is one."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

import grimp


def _cycle(graph: grimp.ImportGraph) -> list[str]:
    """One import cycle of ``graph`` as the modules along it, or [] when there is none."""
    deps = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        TopologicalSorter(deps).prepare()
    except CycleError as err:
        return list(err.args[1])
    return []


def test_the_dexbot_package_has_no_import_cycle() -> None:
    graph = grimp.build_graph("dexbot", exclude_type_checking_imports=False, cache_dir=None)
    assert _cycle(graph) == []


def test_a_lazy_import_back_is_a_cycle() -> None:
    """The check is live: the shape rpc.py had (a function-level import of a module importing it back)."""
    graph = grimp.ImportGraph()
    graph.add_import(importer="pkg.rpc", imported="pkg.provider", line_number=40, line_contents="from ...")
    graph.add_import(importer="pkg.provider", imported="pkg.rpc", line_number=3, line_contents="from ...")
    graph.add_import(importer="pkg.cli", imported="pkg.rpc", line_number=1, line_contents="from ...")
    assert sorted(set(_cycle(graph))) == ["pkg.provider", "pkg.rpc"]


def _reaching(graph: grimp.ImportGraph, importers: str, into: str, allowed: str) -> list[str]:
    """Direct imports from modules under ``importers`` into modules under ``into`` but outside ``allowed``."""
    return sorted(
        f"{m} -> {t}"
        for m in graph.modules
        if m == importers or m.startswith(importers + ".")
        for t in graph.find_modules_directly_imported_by(m)
        if (t == into or t.startswith(into + ".")) and not (t == allowed or t.startswith(allowed + "."))
    )


def test_the_tui_imports_only_the_engine_api_and_the_api_nothing_else_of_the_engine() -> None:
    graph = grimp.build_graph("dexbot", exclude_type_checking_imports=False, cache_dir=None)
    assert _reaching(graph, "dexbot.tui", "dexbot.engine", "dexbot.engine.api") == []
    assert _reaching(graph, "dexbot.engine.api", "dexbot.engine", "dexbot.engine.api") == []


def test_a_tui_import_past_the_api_is_caught() -> None:
    graph = grimp.ImportGraph()
    graph.add_import(
        importer="dexbot.tui.app", imported="dexbot.engine.api.events", line_number=1, line_contents=""
    )
    graph.add_import(
        importer="dexbot.tui.app", imported="dexbot.engine.trader", line_number=2, line_contents=""
    )
    assert _reaching(graph, "dexbot.tui", "dexbot.engine", "dexbot.engine.api") == [
        "dexbot.tui.app -> dexbot.engine.trader"
    ]


DOORS = ("dexbot.engine.host",)


def test_the_cli_imports_the_engine_only_through_its_api_and_host() -> None:
    """The CLI's doors into the engine are ``engine.api`` and ``engine.host`` (which runs it on a live or a
    recorded chain, or lends a one-shot command its parts); anything else inside the engine can move
    without touching a command."""
    graph = grimp.build_graph("dexbot", exclude_type_checking_imports=False, cache_dir=None)
    into_engine = _reaching(graph, "dexbot.cli", "dexbot.engine", "dexbot.engine.api")
    assert [line for line in into_engine if not line.split(" -> ")[1].startswith(DOORS)] == []
