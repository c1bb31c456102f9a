#!/usr/bin/env python3
"""The library's module imports, and a check that they form no circle (issue 16).

Reads every `crate::` path of `src/` (outside comments, `#[cfg(test)] mod tests` and
the binaries; `use crate::{a::b, c::{d, e}}` groups expanded), resolves each to the
module (file) it names, and prints one line per module, each after every module it
imports. Exits 1 naming the circle if there is one. Run from anywhere: `python3 scripts/check_imports.py`.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
SKIP = {"lib.rs", "test_util.rs"}


def expand(prefix, body):
    """The full paths of a `use` group body (`a::b, c::{d, e}`), each after `prefix`."""
    out, depth, item = [], 0, ""
    for ch in body + ",":
        if ch == "," and depth == 0:
            item = item.strip()
            if item:
                m = re.match(r"([\w:]*?)::\{(.*)\}$", item, re.S)
                if m:
                    out += expand(prefix + m.group(1).split("::"), m.group(2))
                else:
                    out.append(prefix + item.split(" as ")[0].strip().split("::"))
            item = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        item += ch
    return out


def module_files():
    """Module path (`nb::counts`) -> source file, for the library (no binaries)."""
    mods = {}
    for dirpath, _, files in os.walk(SRC):
        rel_dir = os.path.relpath(dirpath, SRC)
        if rel_dir.split(os.sep)[0] == "bin":
            continue
        for f in files:
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if not f.endswith(".rs") or rel in SKIP:
                continue
            parts = rel.removesuffix(".rs").split(os.sep)
            if parts[-1] == "mod":
                parts.pop()
            mods["::".join(parts)] = os.path.join(dirpath, f)
    return mods


def imports():
    """Module -> the modules it names (each path resolved to its longest module prefix;
    a module's own submodules and ancestors are not counted)."""
    files = module_files()
    # The crate root's re-exports (`pub use io::corpus;`, `pub use error::{Error, Result};`)
    # name the module they come from.
    alias = {}
    with open(os.path.join(SRC, "lib.rs"), encoding="utf-8") as fh:
        for body in re.findall(r"^pub use ([^;]*);", fh.read(), re.M):
            for p in expand([], body):
                target = "::".join(p) if "::".join(p) in files else "::".join(p[:-1])
                alias[p[-1]] = target.split("::")
    deps = {}
    for m, path in files.items():
        with open(path, encoding="utf-8") as fh:
            lines = [l for l in fh.read().split("\n") if not l.strip().startswith("//")]
        code = re.split(r"#\[cfg\(test\)\]\s*mod tests", "\n".join(lines))[0]
        paths = []
        for group in re.findall(r"crate::\{(.*?)\};", code, re.S):
            paths += expand([], group)
        code = re.sub(r"crate::\{(.*?)\};", "", code, flags=re.S)
        paths += [p.split("::") for p in re.findall(r"crate::((?:[a-z_][a-z0-9_]*::)*[A-Za-z_][A-Za-z0-9_]*)", code)]
        found = set()
        for p in paths:
            if p[0] in alias:
                p = alias[p[0]] + p[1:]
            for k in range(len(p), 0, -1):
                name = "::".join(p[:k])
                if name in files:
                    found.add(name)
                    break
        deps[m] = {d for d in found if d != m and not d.startswith(m + "::") and not m.startswith(d + "::")}
    return deps


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
            print(f"{m:<20} -> {', '.join(sorted(mods[m]))}")
    print(f"no import circle among {len(mods)} modules", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
