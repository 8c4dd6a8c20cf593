#!/usr/bin/env python3
"""The include check: every source file of a target includes only the project's headers of
that target and of the targets it links (directly, or publicly through them). A header
belongs to the library built from the .cpp of the same name in its directory, else to the
library built in its directory. What each target links comes from CMake (the build's
vto_targets.tsv, written at configure time).

usage: check-includes.py --src SRC_DIR --targets BUILD/vto_targets.tsv
Prints each include that breaks the rule and exits 1; prints a one-line summary and exits 0
when there is none."""
import argparse
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
GENEX = re.compile(r"^\$<LINK_ONLY:(.*)>$")


def read_targets(path):
    targets = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            name, kind, directory, sources, links, public = (line.split("\t") + [""] * 6)[:6]
            split = lambda s: [x for x in s.split(";") if x]
            targets[name] = {
                "library": kind.endswith("_LIBRARY"),
                "dir": os.path.realpath(directory),
                "sources": [os.path.realpath(os.path.join(directory, s)) for s in split(sources)],
                "links": split(links),
                # Link-only entries (a static library's private links) give no headers.
                "public": [x for x in split(public) if not GENEX.match(x)],
            }
    return targets


def allowed(name, targets):
    """The target, what it links, and what those link publicly."""
    seen = {name}
    todo = list(targets[name]["links"]) if name in targets else []
    while todo:
        dep = todo.pop()
        if dep in seen or dep not in targets:
            continue
        seen.add(dep)
        todo.extend(targets[dep]["public"])
    return seen


def owners(src, targets):
    """Header path (relative to src) -> the library target it belongs to."""
    by_stem, by_dir = {}, {}
    for name, t in targets.items():
        if not t["library"]:
            continue  # executables and tests own no headers
        for s in t["sources"]:
            if s.endswith(".cpp") and not s.endswith("_test.cpp"):
                by_stem[os.path.splitext(s)[0]] = name
        count = sum(1 for s in t["sources"] if os.path.dirname(s) == t["dir"])
        if count and count >= by_dir.get(t["dir"], ("", 0))[1]:
            by_dir[t["dir"]] = (name, count)
    result = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".h"):
                continue
            path = os.path.realpath(os.path.join(root, f))
            owner = by_stem.get(os.path.splitext(path)[0]) or by_dir.get(os.path.dirname(path), ("",))[0]
            if owner:
                result[os.path.relpath(path, os.path.realpath(src))] = owner
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--targets", required=True)
    args = ap.parse_args()
    src = os.path.realpath(args.src)
    targets = read_targets(args.targets)
    header_owner = owners(src, targets)
    # Each file to check, with the target whose rule it follows: the sources of each target,
    # and the headers each library owns.
    files = {}
    for name, t in targets.items():
        for s in t["sources"]:
            if s.startswith(src + os.sep):
                files.setdefault(s, name)
    for rel, owner in header_owner.items():
        files.setdefault(os.path.join(src, rel), owner)
    problems = []
    for path, name in sorted(files.items()):
        if not os.path.exists(path):
            continue
        may = allowed(name, targets)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            owner = header_owner.get(os.path.normpath(inc))
            if owner is None or owner in may:
                continue
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"{os.path.relpath(path, src)}:{line}: includes \"{inc}\" of {owner}, "
                            f"which {name} does not link")
    for p in problems:
        print(p)
    if problems:
        print(f"include check: {len(problems)} include(s) outside what the target links")
        return 1
    print(f"include check: {len(files)} files of {len(targets)} targets include only what they link")
    return 0


if __name__ == "__main__":
    sys.exit(main())
