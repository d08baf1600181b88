"""No module of dexbot imports itself back, even lazily inside a function: a cycle is how dead code hides
(``RpcClient.w3`` lived on one) and it makes any layering inside a package impossible to state.

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
