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
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for trick in ("mallopt", "sys.modules[", "sys.modules.setdefault"):
            assert trick not in source, f"{path.name}: {trick}"


def test_no_module_of_the_package_imports_fcntl_when_it_is_imported():
    """fcntl exists only on Unix: imported at the top of a module, it stops the package from
    loading on Windows. File locks go through filelock."""
    import ast

    offenders = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # the module's top level
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module] if isinstance(node, ast.ImportFrom) else []
            if "fcntl" in names:
                offenders.add(path.name)
    assert offenders == set()


ROOT = PACKAGE.parent


def _normal(name):
    return name.lower().replace("_", "-")


def _pins(path):
    pins = {}
    for line in (ROOT / path).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[_normal(name)] = version.strip()
    return pins


def test_pyproject_names_every_library_the_package_imports():
    """A wheel installed elsewhere gets what the package imports: each third-party module any
    module of the package imports (at its top or inside a function) is a named dependency."""
    import ast
    import tomllib
    from importlib.metadata import packages_distributions

    declared = {_normal(name) for name in tomllib.loads(
        (ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]}
    where = packages_distributions()
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    missing = {module for module in imported if module in where
               and not {_normal(d) for d in where[module]} & declared}
    assert missing == set()


def test_the_runtime_pins_hold_everything_the_runtime_needs():
    """requirements.txt alone (make report) installs a working package: every dependency of a
    pinned distribution is pinned there too; requirements-dev.txt adds only test and lint tools."""
    import re
    from importlib.metadata import distribution

    from packaging.requirements import Requirement

    runtime = _pins("requirements.txt")
    dev = _pins("requirements-dev.txt")
    assert not set(runtime) & set(dev)
    assert (ROOT / "requirements-dev.txt").read_text().splitlines()[2] == "-r requirements.txt"
    for pins in (runtime, {**runtime, **dev}):
        for name in pins:
            for text in distribution(name).requires or []:
                needed = Requirement(text)
                if needed.marker is None or needed.marker.evaluate({"extra": ""}):
                    assert _normal(re.sub(r"[-_.]+", "-", needed.name)) in pins, (name, text)


def imports_of(path: Path) -> set[str]:
    """The package modules a file imports (dotted, from ``ivig_helpers``), at any depth."""
    import ast

    package = ["ivig_helpers", *path.parent.relative_to(PACKAGE).parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.startswith("ivig_helpers"):
                found.add(module)
                found |= {f"{module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ivig_helpers")}
    return found


def module_name(path: Path) -> str:
    return ".".join(["ivig_helpers", *path.relative_to(PACKAGE).with_suffix("").parts])


def test_the_library_never_imports_the_application():
    """Two layers: the library the notebooks import (ivig_helpers) and the application that runs
    it (ivig_helpers.app); only the entry point (__main__) reaches the application."""
    for path in PACKAGE.glob("*.py"):
        if path.name == "__main__.py":
            continue
        app = {m for m in imports_of(path)
               if m == "ivig_helpers.app" or m.startswith("ivig_helpers.app.")}
        assert app == set(), f"{path.name} imports {sorted(app)}"


def test_no_module_imports_the_command_line_and_there_is_no_import_circle():
    """The command line is the top of the application (cli and runner once imported each
    other; errors and exit codes live in errors.py), and no two modules import each other,
    directly or round a longer circle."""
    paths = [p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts]
    modules = {module_name(p): p for p in paths}
    graph = {name: {m for m in imports_of(path) if m in modules and m != name}
             for name, path in modules.items()}
    importers = {name for name, targets in graph.items() if "ivig_helpers.app.cli" in targets}
    assert importers <= {"ivig_helpers.__main__"}, importers

    def reaches(start, goal, seen):
        for nxt in graph[start] - {"ivig_helpers"}:
            if nxt == goal or nxt not in seen and (seen.add(nxt) or reaches(nxt, goal, seen)):
                return True
        return False

    circles = [name for name in graph if name not in ("ivig_helpers", "ivig_helpers.app")
               and reaches(name, name, set())]
    assert circles == [], circles


def test_no_module_is_over_1000_lines():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines())
             for p in PACKAGE.rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 1000} == {}
