"""The errors and exit statuses of the command line, in one place for every module that raises
or reports them (``cli``, ``runner``, ``__main__``); the library never needs them.

Exit status: 0 success; 2 the input was rejected; 1 the analysis itself failed; 128 + the signal
when the user stopped the command (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import signal

EXIT_OK, EXIT_ANALYSIS_FAILED, EXIT_INPUT_REJECTED = 0, 1, 2


class UsageError(Exception):
    """Something the user asked for that cannot be done (exit status 2)."""


class Interrupted(KeyboardInterrupt):
    """The user stopped the command: Ctrl-C (SIGINT), SIGTERM or SIGHUP; exit status 128 + the
    signal.

    A KeyboardInterrupt, so that neither ``except Exception`` nor asyncio (which runs the kernel
    client) takes it for an error to log and carry on; ``detail`` says what was left as it was.
    """

    CTRL_C = signal.SIGINT

    def __init__(self, signum: int, detail: str = ""):
        super().__init__(signum, detail)
        self.signum, self.detail = signum, detail

    @property
    def status(self) -> int:
        return 128 + self.signum

    def message(self) -> str:
        name = signal.Signals(self.signum).name
        how = "interrupted (Ctrl-C)" if name == "SIGINT" else \
            "stopped (SIGHUP: the terminal was closed)" if name == "SIGHUP" else f"stopped ({name})"
        return f"{how}: {self.detail}" if self.detail else how
