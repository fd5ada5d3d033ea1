"""Leave ``rfc3987_syntax`` unimported: nbformat imports jsonschema, which imports it when it is
installed (JupyterLab needs it) and compiles its grammar, a second or two in every process, for
a URI format no notebook schema checks. Imported by the runner before nbformat, and by pytest as
a plugin, before every other (``-p ivig_helpers.light_imports`` in pyproject.toml).
"""

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
