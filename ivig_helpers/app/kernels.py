"""An opt-in faster start of kernels: a jupyter_client kernel provisioner that forks them.

Every notebook of a run needs its own kernel, and a fresh kernel spends a second or more
importing IPython, pandas, SciPy, matplotlib before its first cell does any work: on the bundled
cohort that is most of a run. :class:`ForkProvisioner` starts one *fork server* per process that
imports them once; every kernel it provisions is a fork of that server (the imported modules
are shared, copy-on-write) and is ready in a few hundredths of a second. It is a standard
jupyter_client ``KernelProvisioner``: registered as the entry point ``ivig-fork-provisioner``
(group ``jupyter_client.kernel_provisioners``, see pyproject.toml) and chosen by a kernel spec's
metadata, ``{"kernel_provisioner": {"provisioner_name": "ivig-fork-provisioner"}}``
(:func:`manager_class` and :func:`write_kernel_spec` write that stanza). It is used only when
asked: ``run --fast-kernels`` or ``IVIG_FAST_KERNELS=1``, and the tests for nbval; a run starts
standard kernels by default.

What a forked kernel keeps of a standard one: its own working folder, environment and
standard streams, its own process group (signals reach it and its children), a fresh random
state (:func:`_fresh_random_state`). It exits when its provisioner's connection closes (the
runner ended, even by SIGKILL) or the server ends. Where a kernel cannot be forked honestly,
the provisioner starts it the standard way (jupyter_client's ``LocalProvisioner``) and says why
in one plain line: not Linux; the server did not start or has stopped; or the kernel's
environment sets a variable the server's libraries have already read as they loaded
(:data:`READ_AT_START`: thread counts of OpenBLAS, OpenMP or MKL, ``PYTHON*`` variables), which
a fork could not honour.

What a forked kernel does not get afresh: the hash seed of Python's strings (one per server),
and the server's imported modules are what a kernel finds in ``sys.modules``. A kernel started
with other import-time settings than the server's is started the standard way (above).
"""

from __future__ import annotations

import asyncio
import atexit
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
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner
from traitlets import List, Unicode

PROVISIONER_NAME = "ivig-fork-provisioner"
ENTRY_POINT_GROUP = "jupyter_client.kernel_provisioners"
READY = b"ready\n"
PRELOADED_ALL = b"preloaded\n"  # every module imported (only the tests read it)
START_TIMEOUT = 60  # seconds for the server's imports, on a slow or busy machine
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel sets
READ_AT_START = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                 "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "MPLBACKEND")
"""Variables the server's libraries read as they load (and every ``PYTHON*`` variable, which the
interpreter reads as it starts): a kernel whose environment gives any of them another value
than the server had cannot be forked from it, and starts the standard way."""
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


# --- choosing the provisioner ----------------------------------------------------------------

def provisioner_stanza(preload: tuple[str, ...] = PRELOADED) -> dict:
    """The ``kernel_provisioner`` entry of a kernel spec's metadata that selects the fork
    provisioner, importing ``preload`` in its server."""
    return {"provisioner_name": PROVISIONER_NAME, "config": {"preload": list(preload)}}


def registered() -> bool:
    """Whether the installed package declares the provisioner's entry point (``pip install -e .``
    or a wheel); a checkout only on ``PYTHONPATH`` does not."""
    from importlib.metadata import entry_points

    return bool(entry_points(group=ENTRY_POINT_GROUP, name=PROVISIONER_NAME))


def _make_findable() -> None:
    """Where the entry point is not installed (a checkout on ``PYTHONPATH``), hand jupyter_client's
    factory the provisioner class directly, as it does itself for its local provisioner."""
    if registered():
        return
    from importlib.metadata import EntryPoint

    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    KernelProvisionerFactory.provisioners.setdefault(PROVISIONER_NAME, EntryPoint(
        PROVISIONER_NAME, f"{__name__}:ForkProvisioner", ENTRY_POINT_GROUP))


def manager_class(synchronous: bool = False, preload: tuple[str, ...] = PRELOADED):
    """A kernel manager class (papermill's asynchronous one, or the synchronous one) whose kernel
    specs name the fork provisioner in their metadata: the usual ``python3`` kernel, provisioned
    by forking."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager, KernelManager
    from traitlets import default

    _make_findable()
    stanza = provisioner_stanza(preload)

    class ForkedSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            spec = super().get_kernel_spec(kernel_name)
            spec.metadata = {**spec.metadata, "kernel_provisioner": stanza}
            return spec

    class ForkedKernelManager(KernelManager if synchronous else AsyncKernelManager):
        @default("kernel_spec_manager")
        def _forked_specs(self):
            return ForkedSpecs(data_dir=self.data_dir)

    return ForkedKernelManager


def write_kernel_spec(folder: Path, name: str, preload: tuple[str, ...] = PRELOADED) -> Path:
    """Write a kernel spec ``name`` into ``folder/kernels`` (a folder to put on ``JUPYTER_PATH``):
    this Python's IPython kernel, provisioned by forking. The tests give it to nbval."""
    from ipykernel.kernelspec import get_kernel_dict

    _make_findable()
    spec = {**get_kernel_dict(), "display_name": f"Python 3 (forked, {name})",
            "metadata": {"kernel_provisioner": provisioner_stanza(preload)}}
    target = Path(folder) / "kernels" / name
    target.mkdir(parents=True, exist_ok=True)
    (target / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return target


# --- the provisioner --------------------------------------------------------------------------

class ForkProvisioner(LocalProvisioner):
    """Provisions a kernel forked from this process's fork server; where it cannot, starts it
    as :class:`~jupyter_client.provisioning.LocalProvisioner` does and says why (one line on
    standard error, once per reason in a process)."""

    preload = List(Unicode(), default_value=list(PRELOADED), config=True,
                   help="modules the fork server imports before it forks kernels")
    kernel_pid: int | None = None
    _connection: socket.socket | None = None
    _exit_code: int | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any):
        self._close()  # a restart launches again with the same provisioner
        self.kernel_pid = self._exit_code = None
        env = kwargs.get("env") or dict(os.environ)
        cwd = kwargs.get("cwd") or os.getcwd()
        why = None
        if not sys.platform.startswith("linux"):
            why = "the fast start works on Linux only"
        elif cmd[:3] != [sys.executable, "-m", "ipykernel_launcher"]:
            why = f"its kernel spec does not start this Python's IPython kernel ({cmd[0]})"
        else:
            server = await asyncio.to_thread(_server_for, tuple(self.preload))
            why = server.fault or server.why_not_for(env)
        if why is None:
            # the parent's id as jupyter_client's launch gives it, and on the command line too
            # (ipykernel read its variable as the server imported it)
            try:
                self._connection, self.kernel_pid = await asyncio.to_thread(
                    server.fork, [*cmd[3:], f"--IPKernelApp.parent_handle={os.getpid()}"],
                    cwd, {**env, "JPY_PARENT_PID": str(os.getpid())}, _streams(kwargs))
            except OSError:
                why = "the fast-start server has stopped"
            else:
                self.pid = self.pgid = self.kernel_pid
                self.cwd = cwd
                return self.connection_info
        say(f"a kernel starts the standard way: {why}.")
        return await super().launch_kernel(cmd, **kwargs)

    @property
    def has_process(self) -> bool:
        if self._connection is None and self.kernel_pid is None:
            return super().has_process
        return self._connection is not None

    async def poll(self) -> int | None:
        if self._connection is None:
            return self._exit_code if self.kernel_pid else await super().poll()
        if self._exit_code is None:
            ready = selectors.DefaultSelector()
            ready.register(self._connection, selectors.EVENT_READ)
            if not ready.select(timeout=0):
                ready.close()
                return None
            ready.close()
            try:
                self._exit_code = _receive(self._connection)[0]["exit"]
            except (OSError, EOFError, ValueError, KeyError):
                say("the fast-start server has stopped, and with it a kernel it had started.")
                self._exit_code = -signal.SIGKILL
        return self._exit_code

    async def wait(self) -> int | None:
        if self.kernel_pid is None:
            return await super().wait()
        while await self.poll() is None:
            await asyncio.sleep(0.1)
        self._close()
        return self._exit_code

    async def send_signal(self, signum: int) -> None:
        if self.kernel_pid is None:
            return await super().send_signal(signum)
        if await self.poll() is None:  # never a process that took over an ended kernel's id
            try:
                os.killpg(self.kernel_pid, signum)  # the kernel and its children
            except OSError:
                os.kill(self.kernel_pid, signum)

    async def kill(self, restart: bool = False) -> None:
        if self.kernel_pid is None:
            return await super().kill(restart)
        with contextlib.suppress(ProcessLookupError):
            await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        if self.kernel_pid is None:
            return await super().terminate(restart)
        with contextlib.suppress(ProcessLookupError):
            await self.send_signal(signal.SIGTERM)

    async def cleanup(self, restart: bool = False) -> None:
        self._close()  # a kernel still running exits as its connection closes
        await super().cleanup(restart)

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _streams(kwargs: dict) -> list[int]:
    """The kernel's standard streams: those jupyter_client was given, else no input (None) and
    this process's output and errors, as jupyter_client's own launch does."""
    streams = []
    for name, fallback in (("stdin", None), ("stdout", 1), ("stderr", 2)):
        given = kwargs.get(name)
        if hasattr(given, "fileno"):
            given = given.fileno()
        if not isinstance(given, int) or given < 0:  # None, or subprocess.PIPE
            given = fallback
        streams.append(given)
    return streams


_said: set[str] = set()


def say(message: str) -> None:
    """One plain line on standard error, once per message in a process."""
    if message not in _said:
        _said.add(message)
        print(f"Kernels: {message}", file=sys.stderr, flush=True)


def _read_at_start(env: dict) -> dict:
    names = sorted({*READ_AT_START, *(name for name in env if name.startswith("PYTHON"))})
    values = {name: env.get(name) for name in names}
    values["MPLBACKEND"] = values.get("MPLBACKEND") or INLINE_BACKEND
    return values


# --- the servers of this process ----------------------------------------------------------------

_servers: dict[tuple, _Server] = {}
_servers_lock = threading.Lock()


def start_server(preload: tuple[str, ...] = PRELOADED, wait: bool = True) -> str | None:
    """Start this process's fork server for ``preload`` (or find it started); with ``wait``,
    until it listens. None when it can be used (or may, not waited for), else why not, in
    plain words."""
    if not sys.platform.startswith("linux"):
        return "the fast start works on Linux only"
    return _server_for(tuple(preload), wait).fault


def stop_servers(preload: tuple[str, ...] | None = None) -> None:
    """Stop this process's fork server for ``preload`` (None: all of them); each stops its
    kernels first."""
    with _servers_lock:
        keys = [tuple(preload)] if preload is not None else list(_servers)
        servers = [_servers.pop(key) for key in keys if key in _servers]
    for server in servers:
        server.close()


atexit.register(stop_servers)


def server_pids() -> list[int]:
    """The process ids of this process's fork servers (their children are its kernels)."""
    with _servers_lock:
        return [server.process.pid for server in _servers.values() if not server.ended()]


def _server_for(preload: tuple[str, ...], wait: bool = True) -> _Server:
    with _servers_lock:
        server = _servers.get(preload)
        if server is None or server.ended():
            server = _servers[preload] = _Server(preload)
    if wait:
        server.wait()
    return server


class _Server:
    """A fork server: a process of its own (its own session: the terminal's Ctrl-C stops the
    run, which stops it) listening on a socket in a private folder (mode 0700: no other user
    can ask it for a kernel). It stops its kernels and exits when its standard input closes,
    which happens when this process ends, however it ends."""

    def __init__(self, preload: tuple[str, ...]):
        self.environment = _read_at_start(dict(os.environ))
        self._folder = Path(tempfile.mkdtemp(prefix="ivig-kernels-"))
        self.path = self._folder / "server"
        self._lock = threading.Lock()
        self._waited, self.fault = False, None
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.path), ",".join(preload)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def wait(self) -> None:
        """Wait until it listens; on failure :attr:`fault` says why."""
        with self._lock:
            if not self._waited:
                self._waited = True
                if not _ready(self.process):
                    self.fault = ("the fast-start server did not start (loading its libraries "
                                  f"failed or took over {START_TIMEOUT} s)")

    def ended(self) -> bool:
        return self.process.poll() is not None

    def why_not_for(self, env: dict) -> str | None:
        """Why a kernel with the environment ``env`` cannot be forked from this server: a
        variable read at start that it sets otherwise (or None)."""
        theirs = _read_at_start(env)
        changed = [name for name in sorted(set(theirs) | set(self.environment))
                   if theirs.get(name) != self.environment.get(name)]
        if not changed:
            return None
        shown = ", ".join(f"{name}={theirs.get(name) or '(unset)'}" for name in changed[:3])
        return (f"its environment sets {shown} otherwise than the fast-start server, whose "
                "libraries read such settings only as they load")

    def fork(self, argv: list[str], cwd: str, env: dict, streams: list[int | None]):
        """A connection to a new kernel forked with these arguments (of ipykernel_launcher),
        folder, environment and standard streams (None: none), and the kernel's process id."""
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        nothing = os.open(os.devnull, os.O_RDWR)
        streams = [nothing if fd is None else fd for fd in streams]
        try:
            # a socket's path holds about 100 bytes, which a long temporary folder exceeds:
            # /proc/self/fd gives the server's folder a short name
            folder = os.open(self._folder, os.O_RDONLY)
            try:
                connection.connect(f"/proc/self/fd/{folder}/{self.path.name}")
            finally:
                os.close(folder)
            _send(connection, {"argv": argv, "cwd": cwd, "env": env}, streams)
            return connection, _receive(connection)[0]["pid"]
        except (OSError, EOFError, ValueError, KeyError) as exc:
            connection.close()
            raise OSError("the fast-start server has stopped") from exc
        finally:
            os.close(nothing)

    def close(self) -> None:
        """Stop it (it stops any kernel it still has) and remove its folder."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)
            self._folder.rmdir()


def _ready(server: subprocess.Popen) -> bool:
    """True once the server says it listens; False if it exits or takes too long."""
    waiting = selectors.DefaultSelector()
    waiting.register(server.stdout, selectors.EVENT_READ)
    ready = bool(waiting.select(timeout=START_TIMEOUT)) and server.stdout.readline() == READY
    waiting.close()
    return ready


# --- messages: a length, then JSON (an environment of any size) --------------------------------

def _send(connection: socket.socket, message: dict, fds: list[int] = ()) -> None:
    body = json.dumps(message).encode()
    header = len(body).to_bytes(8, "big")
    if fds:
        socket.send_fds(connection, [header], list(fds))
    else:
        connection.sendall(header)
    connection.sendall(body)


def _receive(connection: socket.socket, fds: int = 0) -> tuple[dict, list[int]]:
    header, received = (socket.recv_fds(connection, 8, fds)[:2] if fds
                        else (connection.recv(8), []))
    if not header:
        raise EOFError
    header += _exactly(connection, 8 - len(header))
    return json.loads(_exactly(connection, int.from_bytes(header, "big"))), received


def _exactly(connection: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = connection.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


# --- the server (its own process) ---------------------------------------------------------------

def serve(path: str, preload: list[str]) -> None:
    """Import the first module of ``preload``, listen on ``path`` and fork a kernel for each
    request, importing the other modules one by one while no request waits. A request that
    comes before they are all imported waits for the rest: a kernel forked earlier would import
    them itself, in every early kernel, as the server goes on importing them too. Stop every
    kernel and exit when stdin closes (the process that started it is done or gone)."""
    # as ipykernel_launcher does: not the caller's folder first on the kernels' import path
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]
    # what ipykernel sets before a kernel imports matplotlib, which reads it at import
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)
    import importlib

    for name in preload[:1]:  # what every kernel needs (ipykernel): the server fails without
        importlib.import_module(name)
    pending = list(preload[1:])
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    os.chdir(os.path.dirname(path))  # see _Server.fork: the socket's name alone
    listener.bind(os.path.basename(path))
    listener.listen(16)
    os.write(1, READY)
    kernels: dict[int, socket.socket] = {}  # pid -> its provisioner's connection
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
                    return  # its caller closed stdin, or ended
            _report_exits(kernels)
            if pending and not asked:
                _preload_next(pending)
    finally:
        for pid in kernels:
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for pid in list(kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _preload_next(pending: list[str]) -> None:
    import importlib

    with contextlib.suppress(Exception):  # a kernel will say what fails to import
        importlib.import_module(pending.pop(0))
    if not pending:
        os.write(1, PRELOADED_ALL)


def _report_exits(kernels: dict) -> None:
    """Tell each provisioner whose kernel has exited how it exited."""
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
                _send(connection, {"exit": os.waitstatus_to_exitcode(status)})
            connection.close()


def _fresh_random_state() -> None:
    """Seed NumPy's global random generator from the system's entropy, as a new process would:
    forked kernels would otherwise all continue the server's sequence (the notebooks seed their
    own generators; code typed in a kernel may not). Python's ``random`` reseeds itself in a
    forked child; a server that has not imported ``numpy.random`` has no generator to copy."""
    generator = sys.modules.get("numpy.random")
    if generator is not None:
        generator.seed()


def _fork_kernel(connection: socket.socket, others: list, events) -> int | None:
    """Fork a kernel for the request on ``connection``; its pid, or None on a bad request.
    ``others`` are the server's other sockets, which the kernel closes."""
    try:
        request, fds = _receive(connection, fds=3)
    except (OSError, EOFError, ValueError):
        connection.close()
        return None
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):
            _send(connection, {"pid": pid})
        return pid
    code = 1
    try:  # the kernel: never returns to the server's loop
        os.setsid()  # its own process group, as jupyter_client starts a kernel
        events.close()
        for other in others:  # a kernel holds no other provisioner's connection open
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
        threading.Thread(target=_exit_with_provisioner, args=(connection,), daemon=True).start()
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


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent (the server) ends."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before the request
        os._exit(1)


def _exit_with_provisioner(connection: socket.socket) -> None:
    """In a kernel: exit as soon as the provisioner's end of the connection closes."""
    with contextlib.suppress(OSError):
        connection.recv(1)
    os._exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m ivig_helpers.app.kernels SOCKET MODULE,MODULE,...")
    serve(sys.argv[1], [name for name in sys.argv[2].split(",") if name])
