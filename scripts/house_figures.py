"""The house's figures (ADR 0043): import loops in the shipped code, by module and by app.

    .venv/bin/python scripts/house_figures.py

A loop is a strongly connected component of the import graph (grimp, the graph import-linter reads)
with more than one member; tests are left out. Upward imports are what `lint-imports` reports.
"""

import sys

import grimp


def loops(nodes, edges) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one member."""
    sys.setrecursionlimit(100_000)
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges(v):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in nodes:
        if v not in index:
            visit(v)
    return found


def main() -> None:
    graph = grimp.build_graph("motcua", cache_dir=None)
    shipped = sorted(m for m in graph.modules if ".tests" not in m and not m.endswith(".conftest"))
    kept = set(shipped)

    def imported_by(module):
        return sorted(w for w in graph.find_modules_directly_imported_by(module) if w in kept)

    module_loops = loops(shipped, imported_by)
    print(f"module-level import loops (shipped code): {len(module_loops)}")
    for loop in module_loops:
        print("  ", " <-> ".join(loop))

    def app(module):
        return module.split(".")[1] if "." in module else module

    apps = sorted({app(m) for m in shipped})
    app_edges = {a: set() for a in apps}
    for module in shipped:
        for imported in imported_by(module):
            if app(imported) != app(module):
                app_edges[app(module)].add(app(imported))
    app_loops = loops(apps, lambda a: sorted(app_edges[a]))
    print(f"app-level import loops (shipped code): {len(app_loops)}")
    for loop in app_loops:
        print("  ", ", ".join(loop))


if __name__ == "__main__":
    main()
