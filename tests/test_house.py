"""How the package behaves as a library others import (issue 17): importing it changes nothing
in the importing process."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ivig_helpers"


def test_importing_the_package_changes_nothing_global():
    code = textwrap.dedent("""\
        import json, os, sys, warnings
        import numpy, pandas  # their own warning filters are theirs, set as they load
        def state():
            return (dict(os.environ), [repr(f) for f in warnings.filters],
                    sorted(name for name, module in sys.modules.items() if module is None))
        before = state()
        import ivig_helpers
        from ivig_helpers import contract, outcomes  # what a notebook's first cell loads
        after = state()
        print(json.dumps({"environ": before[0] == after[0], "filters": before[1] == after[1],
                          "placeholders": after[2]}))
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"environ": True, "filters": True, "placeholders": []}


def test_no_module_of_the_package_tunes_the_allocator_or_the_module_table():
    """glibc's mallopt (through ctypes) would change the memory of every notebook that imports
    the package; a None in sys.modules would make another library's import fail."""
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        for trick in ("mallopt", "sys.modules[", "sys.modules.setdefault"):
            assert trick not in source, f"{path.name}: {trick}"


def test_no_module_of_the_package_imports_fcntl_when_it_is_imported():
    """fcntl exists only on Unix: imported at the top of a module, it stops the package from
    loading on Windows. File locks go through filelock."""
    import ast

    offenders = set()
    for path in PACKAGE.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # the module's top level
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module] if isinstance(node, ast.ImportFrom) else []
            if "fcntl" in names:
                offenders.add(path.name)
    # reporting.py's lock of the shared results is being replaced in another change of issue 17
    assert offenders - {"reporting.py"} == set()
