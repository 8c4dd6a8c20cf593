#!/usr/bin/env python3
"""The include check refuses a deliberately wrong include: in a small tree, library `low`
includes a header of library `high`, which links `low` (not the other way round). The same
tree without that include passes. usage: refuses_a_wrong_include.py CHECK_SCRIPT"""
import os
import subprocess
import sys
import tempfile

check = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "src")
    for d in ("low", "high"):
        os.makedirs(os.path.join(src, d))
    files = {
        "low/low.h": "#pragma once\nint low();\n",
        "low/low.cpp": '#include "low/low.h"\n#include "high/high.h"\nint low() { return 1; }\n',
        "high/high.h": '#pragma once\n#include "low/low.h"\nint high();\n',
        "high/high.cpp": '#include "high/high.h"\nint high() { return low() + 1; }\n',
    }
    for rel, text in files.items():
        with open(os.path.join(src, rel), "w") as f:
            f.write(text)
    targets = os.path.join(tmp, "targets.tsv")
    with open(targets, "w") as f:
        f.write(f"vto_low\tSTATIC_LIBRARY\t{src}/low\tlow.cpp\t\t\n")
        f.write(f"vto_high\tSTATIC_LIBRARY\t{src}/high\thigh.cpp\tvto_low\tvto_low\n")

    def run():
        return subprocess.run([sys.executable, check, "--src", src, "--targets", targets],
                              capture_output=True, text=True)

    wrong = run()
    print(wrong.stdout, end="")
    assert wrong.returncode == 1, "the wrong include was not refused"
    assert 'low/low.cpp:2: includes "high/high.h" of vto_high, which vto_low does not link' \
        in wrong.stdout, wrong.stdout
    with open(os.path.join(src, "low/low.cpp"), "w") as f:
        f.write('#include "low/low.h"\nint low() { return 1; }\n')
    right = run()
    print(right.stdout, end="")
    assert right.returncode == 0, right.stdout
print("include check: the wrong include is refused, the tree without it passes")
