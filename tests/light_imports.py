"""A pytest plugin loaded before every other (``-p tests.light_imports`` in pyproject.toml).

nbval imports nbformat, which imports jsonschema, which imports ``rfc3987_syntax`` when it is
installed (JupyterLab needs it) and compiles its grammar: two seconds in every pytest process,
before a single test. No notebook schema checks that format, so, as the runner does before its
runs (``ivig_helpers.runner._execute_in``), the tests leave it unimported.
"""

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
