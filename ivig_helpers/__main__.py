"""``python -m ivig_helpers``: see :mod:`ivig_helpers.cli`."""

import sys

from .cli import main

sys.exit(main())
