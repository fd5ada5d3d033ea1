"""Kernels forked from a process that has imported the libraries (ivig_helpers.app.kernels).

What the runner relies on: a forked kernel is a child of the server with the libraries already
imported, it runs code and is interrupted like any kernel, it ends when its launcher is killed,
and when the server cannot start the runner gets no manager class (and starts ordinary kernels).
"""

import asyncio
import os
import signal
import tempfile
import time

import psutil
import pytest

from ivig_helpers.app.kernels import PRELOADED_ALL, ForkServer


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


async def started(server):
    """A forked kernel of ``server``, ready, with a client: (manager, client)."""
    manager = server.manager_class()(kernel_name="python3")
    await manager.start_kernel(cwd=os.getcwd())
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    return manager, client


@pytest.fixture(scope="module")
def server():
    started = ForkServer(preload=("ipykernel.kernelapp", "pandas"))
    assert started.manager_class() is not None
    assert started._process.stdout.readline() == PRELOADED_ALL  # pandas imported as well
    yield started
    started.close()


def test_a_forked_kernel_has_the_libraries_and_answers(server):
    async def session():
        manager, client = await started(server)
        try:
            _, values = await ask(client, "import os, sys", parent="os.getppid()",
                                  preloaded="'pandas' in sys.modules", answer="6 * 7")
            kernel = int((await ask(client, "", pid="os.getpid()"))[1]["pid"])
            # an interrupt reaches the kernel through its launcher
            running = asyncio.ensure_future(client.execute("import time; time.sleep(30)",
                                                           reply=True, timeout=60))
            await asyncio.sleep(1)
            await manager.interrupt_kernel()
            interrupted = (await running)["content"]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel()
        return values, kernel, interrupted

    values, kernel, interrupted = asyncio.run(session())
    assert int(values["parent"]) == server._process.pid  # forked by the server
    assert values["preloaded"] == "True" and values["answer"] == "42"
    assert interrupted["status"] == "error" and interrupted["ename"] == "KeyboardInterrupt"
    assert gone(kernel, seconds=10)


def test_a_kernel_ends_when_its_launcher_is_killed(server):
    async def session():
        manager, client = await started(server)
        kernel = int((await ask(client, "import os", pid="os.getpid()"))[1]["pid"])
        client.stop_channels()
        launcher = manager.provisioner.process.pid
        os.kill(launcher, signal.SIGKILL)
        await manager.cleanup_resources()
        return kernel

    assert gone(asyncio.run(session()), seconds=10)


def test_a_server_that_cannot_start_gives_no_manager_class():
    broken = ForkServer(preload=("no_such_module_here",))
    try:
        assert broken.manager_class() is None
    finally:
        broken.close()
    assert not broken._folder.exists()


def test_a_server_in_a_long_temporary_folder_still_forks_kernels_in_the_folder_asked(
        tmp_path, monkeypatch):
    """A socket's path may hold about 100 bytes; a long TMPDIR once made every run fall back
    to ordinary kernels, silently."""
    long = tmp_path / ("a-long-temporary-folder-" * 4)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    own = ForkServer(preload=("ipykernel.kernelapp",))
    where = tmp_path / "the notebook's folder"
    where.mkdir()

    async def session():
        manager = own.manager_class()(kernel_name="python3")
        await manager.start_kernel(cwd=str(where))
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            return (await ask(client, "import os", cwd="os.getcwd()",
                              parent="os.getppid()"))[1]
        finally:
            client.stop_channels()
            await manager.shutdown_kernel()

    try:
        assert len(str(own._path)) > 110
        assert own.manager_class() is not None
        values = asyncio.run(session())
    finally:
        own.close()
    assert int(values["parent"]) == own._process.pid
    assert values["cwd"] == repr(str(where))


def test_each_forked_kernel_draws_its_own_random_numbers(server):
    """A fork copies the server's random state: without a fresh one, two kernels would draw the
    same 'random' numbers (issue 17)."""
    async def draw():
        manager, client = await started(server)
        try:
            _, values = await ask(client, "import random, numpy", numpy="numpy.random.random()",
                                  python="random.random()")
            return values
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    first, second = asyncio.run(draw()), asyncio.run(draw())
    assert first["numpy"] != second["numpy"] and first["python"] != second["python"]
