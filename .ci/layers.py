#!/usr/bin/env python3
"""Fails when a module imports from a layer above it.

The crate reads top-down (ARCHITECTURE.md): each top-level module may import
only from the layers below it. A `use crate::x` or a `crate::x::...` path in a
module of a lower layer than `x` is an upward import.
"""
import pathlib
import re
import sys

# Lowest first. Modules in one tuple are one layer and may not import each other.
LAYERS = [
    ("untrusted", "units", "stats"),
    ("machine",),
    ("program",),
    ("engine",),
    ("workloads",),
    ("experiment",),
    ("measure",),
    ("analysis",),
    ("export",),
    ("cli",),
    ("gui",),
]
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def top_module(path: pathlib.Path, src: pathlib.Path) -> str:
    rel = path.relative_to(src).parts
    return rel[0][:-3] if len(rel) == 1 else rel[0]


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    bad = []
    for path in sorted(src.rglob("*.rs")):
        me = top_module(path, src)
        if me in ("lib", "main"):
            continue
        if me not in RANK:
            bad.append(f"{path}: module '{me}' has no layer in .ci/layers.py")
            continue
        text = path.read_text(errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            code = line.split("//")[0]
            for other in re.findall(r"crate::([a-z_]+)", code):
                if other == me or other not in RANK:
                    continue
                if RANK[other] >= RANK[me]:
                    bad.append(f"{path}:{n}: '{me}' imports '{other}' (a layer at or above it): {line.strip()}")
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} upward imports; the layers, lowest first: " + " < ".join("/".join(l) for l in LAYERS))
        return 1
    print("layers: every import points down (" + " < ".join("/".join(l) for l in LAYERS) + ")")
    return 0


if __name__ == "__main__":
    sys.exit(main())
