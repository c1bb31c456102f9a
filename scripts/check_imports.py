#!/usr/bin/env python3
"""The library's module imports, and a check that they form no circle (issue 16).

Reads every `crate::` path of `src/` (outside comments, `#[cfg(test)] mod tests` and
the binaries), groups them by top-level module (`src/x.rs` or `src/x/`), and prints one
line per module, each after every module it imports. Exits 1 naming the circle if there
is one. Run from anywhere: `python3 scripts/check_imports.py`.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
SKIP = {"lib.rs", "test_util.rs"}


def imports():
    mods = {}
    for dirpath, dirnames, files in os.walk(SRC):
        rel_dir = os.path.relpath(dirpath, SRC)
        if rel_dir.split(os.sep)[0] == "bin":
            continue
        for f in files:
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if not f.endswith(".rs") or rel in SKIP:
                continue
            top = rel.split(os.sep)[0].removesuffix(".rs")
            with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                lines = [l for l in fh.read().split("\n") if not l.strip().startswith("//")]
            code = re.split(r"#\[cfg\(test\)\]\s*mod tests", "\n".join(lines))[0]
            deps = set(re.findall(r"crate::([a-z_][a-z0-9_]*)", code))
            for group in re.findall(r"use crate::\{([^;]*)\};", code, re.S):
                deps.update(re.findall(r"(?:^|[,{\s])([a-z_][a-z0-9_]*)(?=::|\s*[,}]|$)", group))
            mods.setdefault(top, set()).update(deps - {top, "self"})
    for m in mods:
        mods[m] &= set(mods)
    return mods


def order(mods):
    """Modules, each after all it imports (leaves first); raises on a circle."""
    done, out, path = set(), [], []

    def visit(m):
        if m in done:
            return
        if m in path:
            circle = path[path.index(m):] + [m]
            raise SystemExit("import circle: " + " -> ".join(circle))
        path.append(m)
        for d in sorted(mods[m]):
            visit(d)
        path.pop()
        done.add(m)
        out.append(m)

    for m in sorted(mods, key=lambda m: (len(mods[m]), m)):
        visit(m)
    return out


def main():
    mods = imports()
    try:
        ordered = order(mods)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 1
    leaves = [m for m in ordered if not mods[m]]
    print(", ".join(leaves) + "   (leaves)")
    for m in ordered:
        if mods[m]:
            print(f"{m:<15} -> {', '.join(sorted(mods[m]))}")
    print(f"no import circle among {len(mods)} modules", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
