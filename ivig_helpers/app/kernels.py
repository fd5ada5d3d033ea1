"""Kernels forked from one process that has imported the libraries already.

Every notebook of a run needs its own kernel, and a fresh kernel spends a second or more
importing IPython, pandas, SciPy, matplotlib and this package before its first cell does any
work: on the bundled cohort that is most of a run. The runner therefore starts one *fork server*
per run, which imports them once; every kernel of the run is a fork of it (the imported modules
are shared, copy-on-write, not imported again) and is ready in a few hundredths of a second.

jupyter_client still starts, signals and watches an ordinary process, a small *launcher*
(``python -m ivig_helpers.app.kernels launch -f CONNECTION_FILE``): it hands its arguments, working
folder, environment and standard streams to the server, which forks the kernel; the launcher
passes interrupts and terminations on and exits as the kernel exits. A kernel whose launcher
dies, even by SIGKILL, exits at once; the server stops its kernels and itself when the runner
that started it goes away.

The runner uses this only when asked (``run --fast-kernels`` or ``IVIG_FAST_KERNELS=1``; by
default it starts standard kernels), and so do the tests for nbval (``conftest.py``) and the
tests' shared reports; JupyterLab starts its kernels as usual. When the server cannot start,
ordinary kernels are started instead, and the run says so.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

SOCKET_VARIABLE = "IVIG_KERNEL_SERVER"  # the launcher finds the server's socket here
READY = b"ready\n"
PRELOADED_ALL = b"preloaded\n"  # every module imported (only the tests read it)
START_TIMEOUT = 60  # seconds for the server's imports, on a slow or busy machine
PRELOADED = ("ipykernel.kernelapp", "ipykernel.debugger", "numpy", "pandas",
             "pandas.io.formats.style", "scipy.stats", "scipy.special", "scipy.optimize",
             "statsmodels.genmod.generalized_linear_model", "statsmodels.stats.power",
             "statsmodels.stats.proportion", "matplotlib.pyplot", "seaborn", "tableone")
"""The libraries every notebook imports through this package before its first result, and what
a kernel imports as it starts (its debugger) or for its first table (pandas' styles). Not this
package's own modules: they take milliseconds, and a kernel that found them imported would
hide a notebook that forgets to import one, which a kernel of JupyterLab would not."""
_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_]\w*)|import\s+([^#;\n]+))", re.MULTILINE)


def preload_for(notebooks: list[Path]) -> tuple[str, ...]:
    """The modules of :data:`PRELOADED` that ``notebooks`` use: all of them for notebooks that
    import this package (it imports the libraries), otherwise ipykernel and the libraries the
    notebooks import themselves. A server imports nothing a run will not use.

    >>> import nbformat, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> def notebook(name, code):
    ...     content = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    ...     nbformat.write(content, folder / name)
    ...     return folder / name
    >>> preload_for([notebook("a.ipynb", "import time, numpy as np  # a comment")])
    ('ipykernel.kernelapp', 'ipykernel.debugger', 'numpy')
    >>> preload_for([notebook("b.ipynb", "from ivig_helpers import plots")]) == PRELOADED
    True
    >>> import shutil; shutil.rmtree(folder)
    """
    imported = set()
    for notebook in notebooks:
        content = json.loads(Path(notebook).read_text(encoding="utf-8"))
        for cell in content.get("cells", []):
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for package, names in _IMPORT.findall(source):
                imported.update([package] if package else
                                (name.split()[0].split(".")[0] for name in names.split(",")
                                 if name.strip()))
    if "ivig_helpers" in imported:  # the library imports every one above
        return PRELOADED
    return tuple(name for name in PRELOADED
                 if name.startswith("ipykernel.") or name.split(".")[0] in imported)


class ForkServer:
    """The fork server of one run: started at once, waited for by the first kernel that needs it.

    :meth:`manager_class` gives the kernel manager class whose kernels it forks, or None when
    the server could not start (the run then starts ordinary kernels). The socket lives in a
    folder of its own (mode 0700: no other user can ask for a kernel), removed by :meth:`close`.
    """

    def __init__(self, preload: tuple[str, ...] = PRELOADED):
        self._folder = Path(tempfile.mkdtemp(prefix="ivig-kernels-"))
        self._path = self._folder / "server"
        self._lock = threading.Lock()
        self._classes, self._waited, self._listening = {}, False, False
        self._process = subprocess.Popen(
            [sys.executable, "-m", __name__, "serve", str(self._path), ",".join(preload),
             str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)  # like a kernel: not stopped by the terminal's Ctrl-C

    def manager_class(self, synchronous: bool = False):
        """The kernel manager class (papermill's asynchronous one, or the synchronous one nbval
        uses) whose kernels this server forks; None when the server could not start."""
        with self._lock:
            if not self._waited:
                self._waited = True
                self._listening = _ready(self._process)
            if self._listening and synchronous not in self._classes:
                self._classes[synchronous] = _manager_class(str(self._path), synchronous)
            return self._classes.get(synchronous)

    def close(self) -> None:
        """Stop the server (it stops its kernels first) and remove its folder."""
        _stop(self._process)
        with contextlib.suppress(OSError):
            self._path.unlink(missing_ok=True)
            self._folder.rmdir()


def _ready(server: subprocess.Popen) -> bool:
    """True once the server says it listens; False if it exits or takes too long."""
    waiting = selectors.DefaultSelector()
    waiting.register(server.stdout, selectors.EVENT_READ)
    ready = bool(waiting.select(timeout=START_TIMEOUT)) and server.stdout.readline() == READY
    waiting.close()
    return ready


def _stop(server: subprocess.Popen) -> None:
    """Close the server's stdin (it stops its kernels and exits), then make sure it has."""
    with contextlib.suppress(OSError):
        server.stdin.close()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    server.stdout.close()


def _manager_class(path: str, synchronous: bool = False):
    """A kernel manager class whose kernel command is the launcher, told where the server is."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    class ForkedKernelManager(KernelManager if synchronous else AsyncKernelManager):
        @property
        def kernel_spec(self):
            if self._kernel_spec is None:
                usual = self.kernel_spec_manager.get_kernel_spec(self.kernel_name)
                self._kernel_spec = KernelSpec(
                    argv=[sys.executable, "-m", __name__, "launch", "-f", "{connection_file}"],
                    display_name=usual.display_name, language=usual.language,
                    interrupt_mode="signal", env={**usual.env, SOCKET_VARIABLE: path},
                    metadata=usual.metadata)
            return self._kernel_spec

    return ForkedKernelManager


# --- The server ---------------------------------------------------------------------------

def serve(path: str, preload: list[str], runner: int) -> None:
    """Import the first module of ``preload``, listen on ``path`` and fork a kernel for each
    launcher, importing the other modules one by one while no launcher waits. A launcher that
    comes before they are all imported waits for the rest: a kernel forked earlier would import
    them itself, in every early kernel, as the server goes on importing them too. Stop every
    kernel and exit when stdin closes (the runner is done or gone); killed with the process
    ``runner`` where the system can say so (Linux)."""
    _die_with(runner)
    # as ipykernel_launcher does: not the runner's folder first on the kernels' import path
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]
    # what ipykernel sets before a kernel imports matplotlib, which reads it at import
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import importlib

    importlib.import_module(preload[0])  # what every kernel needs: the server fails without
    pending = list(preload[1:])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    # a socket's path may hold about 100 bytes, which a long temporary folder exceeds: the server
    # and the launchers go into its folder and use its name alone (kernels go to their own)
    os.chdir(os.path.dirname(path))
    listener.bind(os.path.basename(path))
    listener.listen(16)
    os.write(1, READY)
    kernels: dict[int, socket.socket] = {}  # pid -> its launcher's connection
    events = selectors.DefaultSelector()
    events.register(listener, selectors.EVENT_READ)
    events.register(0, selectors.EVENT_READ)
    try:
        while True:
            asked = events.select(timeout=0 if pending else 0.05)
            for key, _ in asked:
                if key.fileobj is listener:
                    while pending:  # a kernel forked before would import them again itself
                        _preload_next(pending)
                    connection, _ = listener.accept()
                    pid = _fork_kernel(connection, [listener, *kernels.values()], events)
                    if pid:
                        kernels[pid] = connection
                elif not os.read(0, 1024):
                    return  # the runner closed stdin, or died
            _report_exits(kernels)
            if pending and not asked:
                _preload_next(pending)
    finally:
        for pid in kernels:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _preload_next(pending: list[str]) -> None:
    import importlib

    with contextlib.suppress(Exception):  # a kernel will say what fails to import
        importlib.import_module(pending.pop(0))
    if not pending:
        os.write(1, PRELOADED_ALL)


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent ends (even by SIGKILL, which leaves the
    parent no time to stop it); elsewhere a closed stdin does the same, a little later."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before the request
        os._exit(1)


def _report_exits(kernels: dict) -> None:
    """Tell each launcher whose kernel has exited how it exited."""
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = kernels.pop(pid, None)
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.send(json.dumps({"exit": os.waitstatus_to_exitcode(status)}).encode())
            connection.close()


def _fresh_random_state() -> None:
    """Seed Python's and NumPy's global random generators from the system's entropy, as a new
    process would: forked kernels would otherwise all continue the server's sequence (the
    notebooks seed their own generators; code typed in a kernel may not)."""
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _fork_kernel(connection: socket.socket, others: list, events) -> int | None:
    """Fork a kernel for the launcher on ``connection``; its pid, or None on a bad request.
    ``others`` are the server's other sockets, which the kernel closes."""
    try:
        message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 3)
        request = json.loads(message)
    except (OSError, ValueError):
        connection.close()
        return None
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        connection.send(json.dumps({"pid": pid}).encode())
        return pid
    code = 1
    try:  # the kernel: never returns to the server's loop
        events.close()
        for other in others:  # a kernel holds no other launcher's connection open
            other.close()
        for target, fd in zip((0, 1, 2), fds, strict=False):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        _die_with(os.getppid())  # a kernel whose server is killed ends with it
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _fresh_random_state()  # a fork copies the server's: every kernel would draw alike
        threading.Thread(target=_exit_with_launcher, args=(connection,), daemon=True).start()
        sys.argv = [sys.argv[0], *request["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    except BaseException:  # noqa: BLE001 (whatever stops the kernel, it must not return)
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _exit_with_launcher(connection: socket.socket) -> None:
    """In a kernel: exit as soon as the launcher's end of the connection closes."""
    with contextlib.suppress(OSError):
        connection.recv(1)
    os._exit(1)


# --- The launcher ---------------------------------------------------------------------------

def launch(arguments: list[str]) -> None:
    """Ask the server for a kernel with ``arguments``, pass signals on, exit as it exits."""
    kernel, pending = None, []

    def pass_on(signum, _frame):
        if kernel is None:
            pending.append(signum)
        else:
            with contextlib.suppress(OSError):
                os.kill(kernel, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, pass_on)
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    request = {"argv": arguments, "cwd": os.getcwd(), "env": dict(os.environ)}
    path = os.environ[SOCKET_VARIABLE]
    os.chdir(os.path.dirname(path))  # see serve: the socket's name alone
    connection.connect(os.path.basename(path))
    socket.send_fds(connection, [json.dumps(request).encode()], [0, 1, 2])
    reply = connection.recv(4096)
    if not reply:
        sys.exit(1)
    kernel = json.loads(reply)["pid"]
    for signum in pending:
        pass_on(signum, None)
    reply = connection.recv(4096)  # the kernel's exit status, or nothing if the server died
    code = json.loads(reply)["exit"] if reply else 1
    if code < 0:  # killed by a signal: so is the launcher, as jupyter_client expects
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        time.sleep(1)
    sys.exit(code)


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2], [name for name in sys.argv[3].split(",") if name], int(sys.argv[4]))
    elif sys.argv[1:2] == ["launch"]:
        launch(sys.argv[2:])
    else:
        sys.exit("usage: python -m ivig_helpers.app.kernels serve SOCKET | launch ARGUMENTS")
