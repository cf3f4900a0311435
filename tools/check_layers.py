"""Checks the include graph of the tree (docs/architecture.md): no cycle between files, and every
library includes only the layers below it. Prints the library graph; exits 1 on a violation.

  python3 tools/check_layers.py [SOURCE_DIR]
"""
import collections
import pathlib
import re
import sys

# Which libraries each library may include (besides itself).
ALLOWED = {
    "core": set(),
    "stats": set(),
    "datasets": {"core"},
    "oracle": {"core", "datasets"},
    "adapters": {"core", "datasets"},
    "report": {"core", "datasets", "stats"},
    "bench": {"core", "datasets", "oracle", "adapters", "report", "stats"},
}


def library(path):
    parts = path.parts
    if parts[:2] == ("bench", "oracle"):
        return "oracle"
    return parts[0]


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    files = [p.relative_to(root) for p in root.rglob("*.[ch]pp")
             if p.relative_to(root).parts[0] in ALLOWED]
    headers = {}
    for f in files:
        match = re.search(r"include/(legion/.+\.hpp)$", str(f))
        if match:
            headers[match.group(1)] = f
    graph = collections.defaultdict(set)
    for f in files:
        for name in re.findall(r'#include "([^"]+)"', (root / f).read_text()):
            target = headers.get(name)
            if target is None and (root / f.parent / name).exists():
                target = (f.parent / name)
            if target is not None:
                graph[f].add(pathlib.Path(*target.parts))
    problems = []
    edges = collections.Counter()
    for f, targets in graph.items():
        for t in targets:
            a, b = library(f), library(t)
            if a != b:
                edges[(a, b)] += 1
                if b not in ALLOWED[a]:
                    problems.append(f"{f} includes {t}: {a} may not depend on {b}")
    state = {}

    def visit(f, stack):
        state[f] = "open"
        stack.append(f)
        for t in graph[f]:
            if state.get(t) == "open":
                problems.append("include cycle: " + " -> ".join(map(str, stack[stack.index(t):] + [t])))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[f] = "done"

    for f in files:
        if f not in state:
            visit(f, [])
    for (a, b), n in sorted(edges.items()):
        print(f"{a} -> {b} ({n} includes)")
    for p in problems:
        print("VIOLATION:", p)
    print(f"{len(files)} files, {sum(len(t) for t in graph.values())} project includes, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
