"""The fork provisioner (ivig_helpers.app.kernels), the opt-in fast start of kernels.

What the runner and nbval rely on: a kernel provisioned by it is a fork of the server with the
libraries already imported, it runs code and is interrupted like any kernel, it ends when the
process that asked for it ends, it draws its own random numbers, and it honours its own
environment; where it cannot be forked (no server, a server that stopped, settings the server's
libraries read as they loaded) the kernel starts the standard way and one plain line says why.
The entry point pyproject.toml declares is what jupyter_client's factory finds.
"""

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import psutil
import pytest

from ivig_helpers.app import kernels

ROOT = Path(__file__).resolve().parent.parent
PRELOAD = ("ipykernel.kernelapp", "numpy")


def gone(pid, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.05)
    return False


async def ask(client, code, **expressions):
    reply = await client.execute(code, user_expressions=expressions, reply=True, timeout=60)
    values = reply["content"].get("user_expressions", {})
    return reply["content"], {k: v["data"]["text/plain"] for k, v in values.items()}


async def started(preload=PRELOAD, **start):
    """A kernel of the fork provisioner, ready, with a client: (manager, client)."""
    manager = kernels.manager_class(preload=preload)(kernel_name="python3")
    await manager.start_kernel(cwd=start.pop("cwd", os.getcwd()), **start)
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return manager, client


async def values_of(preload=PRELOAD, code="import os, sys", **start):
    """What a new kernel answers about itself (its parent, its folder...), then shut down."""
    manager, client = await started(preload, **start)
    try:
        return (await ask(client, code, parent="os.getppid()", pid="os.getpid()",
                          cwd="os.getcwd()", **EXPRESSIONS))[1]
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


EXPRESSIONS = {}


def server_pid(preload=PRELOAD):
    assert kernels.start_server(preload) is None
    return kernels._servers[preload].process.pid


@pytest.fixture(autouse=True)
def own_servers():
    """Each test starts its servers afresh and leaves none running."""
    kernels.stop_servers()
    kernels._said.clear()
    yield
    kernels.stop_servers()


def test_a_forked_kernel_has_the_libraries_answers_and_is_interrupted():
    async def session():
        manager, client = await started()
        try:
            assert type(manager.provisioner) is kernels.ForkProvisioner
            _, values = await ask(client, "import os, sys", parent="os.getppid()",
                                  preloaded="'numpy' in sys.modules", answer="6 * 7",
                                  pid="os.getpid()")
            # an interrupt reaches the kernel (its process group)
            running = asyncio.ensure_future(client.execute("import time; time.sleep(30)",
                                                           reply=True, timeout=60))
            await asyncio.sleep(1)
            await manager.interrupt_kernel()
            interrupted = (await running)["content"]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel()
        return values, interrupted

    values, interrupted = asyncio.run(session())
    assert int(values["parent"]) == server_pid()  # forked by the server
    assert values["preloaded"] == "True" and values["answer"] == "42"
    assert interrupted["status"] == "error" and interrupted["ename"] == "KeyboardInterrupt"
    assert gone(int(values["pid"]), seconds=10)


def test_a_restarted_kernel_is_forked_again():
    async def session():
        manager, client = await started()
        try:
            before = (await ask(client, "import os", pid="os.getpid()"))[1]["pid"]
            await manager.restart_kernel(now=True)
            await client.wait_for_ready(timeout=60)
            after = (await ask(client, "import os", pid="os.getpid()", parent="os.getppid()"))[1]
            return int(before), int(after["pid"]), int(after["parent"]), await manager.is_alive()
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    before, after, parent, alive = asyncio.run(session())
    assert after != before and parent == server_pid() and alive
    assert gone(before, seconds=10) and gone(after, seconds=10)


STARTER = """\
import asyncio, os, sys, time
from ivig_helpers.app import kernels
async def main():
    manager = kernels.manager_class(preload=("ipykernel.kernelapp",))(kernel_name="python3")
    await manager.start_kernel()
    print(manager.provisioner.kernel_pid, kernels._servers[("ipykernel.kernelapp",)].process.pid,
          flush=True)
    time.sleep(600)
asyncio.run(main())
"""


def test_a_forked_kernel_and_its_server_end_when_the_process_that_asked_is_killed():
    """A runner killed by SIGKILL has no time to stop anything: its kernels must not stay."""
    starter = subprocess.Popen([sys.executable, "-c", STARTER], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        kernel, server = map(int, starter.stdout.readline().split())
        assert psutil.Process(kernel).ppid() == server
    finally:
        starter.kill()
        starter.wait()
        starter.stdout.close()
    assert gone(kernel, seconds=10) and gone(server, seconds=10)


def test_each_forked_kernel_draws_its_own_random_numbers():
    """A fork copies the server's random state: without a fresh one, two kernels would draw the
    same 'random' numbers from NumPy's global generator, which the server created as it
    imported numpy.random (scipy.stats does; issue 17). (Python's own random module reseeds
    itself in a forked child.)"""
    preload = ("ipykernel.kernelapp", "numpy.random")
    EXPRESSIONS.update(numpy="numpy.random.random()", python="random.random()")
    try:
        first, second = (asyncio.run(values_of(preload, code="import os, random, numpy"))
                         for _ in range(2))
    finally:
        EXPRESSIONS.clear()
    assert int(first["parent"]) == int(second["parent"]) == server_pid(preload)  # both forked
    assert first["numpy"] != second["numpy"] and first["python"] != second["python"]


def test_a_kernel_whose_environment_sets_a_thread_count_starts_the_standard_way(capfd):
    """OpenBLAS reads OPENBLAS_NUM_THREADS as NumPy loads: a fork of a server that loaded NumPy
    without it would ignore it. The kernel starts the standard way, says why, and the setting
    is in effect (threadpoolctl, an independent reader of OpenBLAS's own thread count)."""
    pytest.importorskip("threadpoolctl")
    assert "OPENBLAS_NUM_THREADS" not in os.environ
    EXPRESSIONS.update(
        setting="os.environ.get('OPENBLAS_NUM_THREADS')",
        threads="[p['num_threads'] for p in __import__('threadpoolctl').threadpool_info() "
                "if p['internal_api'] == 'openblas']")
    try:
        values = asyncio.run(values_of(code="import os, numpy",
                                       env={**os.environ, "OPENBLAS_NUM_THREADS": "1"}))
        usual = asyncio.run(values_of(code="import os, numpy"))
    finally:
        EXPRESSIONS.clear()
    server = server_pid()
    assert int(values["parent"]) != server and int(usual["parent"]) == server
    assert values["setting"] == "'1'" and values["threads"] == "[1]"
    assert usual["setting"] == "None"
    said = capfd.readouterr().err
    assert ("Kernels: a kernel starts the standard way: its environment sets "
            "OPENBLAS_NUM_THREADS=1 otherwise than the fast-start server") in said
    assert "Traceback" not in said


def test_a_kernel_in_an_environment_of_240_kb_is_forked_and_gets_it_all():
    """A message of the old launcher could hold about 200 KB: a larger environment failed
    every kernel ("Message too long")."""
    large = {f"IVIG_TEST_LARGE_{index}": "x" * 30_000 for index in range(8)}
    EXPRESSIONS.update(size="sum(len(v) for k, v in os.environ.items() "
                            "if k.startswith('IVIG_TEST_LARGE_'))")
    try:
        values = asyncio.run(values_of(env={**os.environ, **large}))
    finally:
        EXPRESSIONS.clear()
    assert int(values["parent"]) == server_pid()
    assert int(values["size"]) == 240_000


def test_a_server_that_cannot_start_says_why_and_kernels_start_the_standard_way(capfd):
    broken = ("no_such_module_here",)
    why = kernels.start_server(broken)
    assert why == ("the fast-start server did not start (loading its libraries failed or "
                   f"took over {kernels.START_TIMEOUT} s)")
    values = asyncio.run(values_of(preload=broken))
    assert int(values["parent"]) == os.getpid()  # a standard kernel: a child of this process
    said = capfd.readouterr().err
    assert f"Kernels: a kernel starts the standard way: {why}." in said
    assert said.count("Kernels:") == 1 and "Traceback" not in said


def test_a_kernel_whose_server_is_killed_ends_and_it_is_said_plainly(capfd):
    async def session():
        manager, client = await started()
        try:
            os.kill(server_pid(), signal.SIGKILL)
            deadline = time.monotonic() + 10
            while await manager.provisioner.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            return await manager.provisioner.poll(), manager.provisioner.kernel_pid
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    code, kernel = asyncio.run(session())
    assert code is not None and gone(kernel, seconds=10)
    said = capfd.readouterr().err
    assert ("Kernels: the fast-start server has stopped, and with it a kernel it had started."
            in said)
    assert "Traceback" not in said
    # the next kernel gets a new server
    assert int(asyncio.run(values_of())["parent"]) == server_pid()


def test_a_server_in_a_long_temporary_folder_still_forks_kernels_in_the_folder_asked(
        tmp_path, monkeypatch):
    """A socket's path may hold about 100 bytes; a long TMPDIR once made every run fall back
    to ordinary kernels, silently."""
    long = tmp_path / ("a-long-temporary-folder-" * 4)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    where = tmp_path / "the notebook's folder"
    where.mkdir()
    values = asyncio.run(values_of(cwd=str(where)))
    assert len(str(kernels._servers[PRELOAD].path)) > 110
    assert int(values["parent"]) == server_pid()
    assert values["cwd"] == repr(str(where))


def test_pyproject_registers_the_provisioner_and_jupyter_client_finds_it(tmp_path, monkeypatch):
    """The entry point as pyproject.toml declares it, installed as pip would install it (a
    dist-info folder on the import path), is what jupyter_client's factory loads for a kernel
    spec that names the provisioner."""
    from jupyter_client.kernelspec import KernelSpec
    from jupyter_client.provisioning.factory import KernelProvisionerFactory

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["entry-points"]
    group = declared[kernels.ENTRY_POINT_GROUP]
    assert group == {kernels.PROVISIONER_NAME: "ivig_helpers.app.kernels:ForkProvisioner"}
    installed = tmp_path / "site" / "ivig_helpers_probe-0.0.dist-info"
    installed.mkdir(parents=True)
    (installed / "METADATA").write_text("Metadata-Version: 2.1\nName: ivig_helpers_probe\n"
                                        "Version: 0.0\n")
    (installed / "entry_points.txt").write_text(
        f"[{kernels.ENTRY_POINT_GROUP}]\n"
        + "".join(f"{name} = {target}\n" for name, target in group.items()))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.setattr(KernelProvisionerFactory, "provisioners", {})  # nothing cached
    assert kernels.registered()
    spec = KernelSpec(argv=["python"], display_name="probe", language="python",
                      metadata={"kernel_provisioner": kernels.provisioner_stanza(("numpy",))})
    made = KernelProvisionerFactory().create_provisioner_instance("probe", spec, parent=None)
    assert type(made) is kernels.ForkProvisioner and made.preload == ["numpy"]


def test_a_kernel_spec_file_names_the_provisioner(tmp_path):
    """The kernel spec nbval is given: this Python's IPython kernel, the provisioner named in
    its metadata, as jupyter_client's kernel spec manager reads it."""
    from jupyter_client.kernelspec import KernelSpecManager

    kernels.write_kernel_spec(tmp_path, "probe", ("numpy",))
    spec = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")]).get_kernel_spec("probe")
    assert spec.argv[:3] == [sys.executable, "-m", "ipykernel_launcher"]
    assert spec.metadata["kernel_provisioner"] == {
        "provisioner_name": "ivig-fork-provisioner", "config": {"preload": ["numpy"]}}
