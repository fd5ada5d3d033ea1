"""``python -m ivig_helpers``: see :mod:`ivig_helpers.app.cli`.

Ctrl-C while the command line is still loading its libraries (the first half second or so) ends
it as Ctrl-C later does: one line, exit status 130, no traceback.
"""

import sys

from .errors import Interrupted

try:
    from .app.cli import main
except KeyboardInterrupt:
    stopped = Interrupted(Interrupted.CTRL_C)
    print(stopped.message(), file=sys.stderr)
    sys.exit(stopped.status)

sys.exit(main())
