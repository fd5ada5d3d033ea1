"""nbval runs the committed notebooks in kernels forked from one process per test worker that has
imported the libraries once, as ``python -m ivig_helpers run`` does (:mod:`ivig_helpers.kernels`):
a fresh kernel spends most of a small notebook's time importing them. The notebooks still name
the ``python3`` kernel, and the kernel is the same IPython kernel; only how it starts differs.
Where the server cannot start, nbval starts ordinary kernels.
"""

import pytest

_server = None


def _fork_nbval_kernels() -> None:
    global _server
    import nbval.kernel

    from ivig_helpers.kernels import ForkServer

    _server = ForkServer()
    manager = _server.manager_class(synchronous=True)
    if manager is not None:
        nbval.kernel.KernelManager = manager  # what nbval's start_new_kernel creates


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # before nbval's notebook starts its kernel (in its setup), once per worker, and only in a
    # worker that runs a notebook
    if _server is None and type(item).__module__.startswith("nbval"):
        _fork_nbval_kernels()


def pytest_unconfigure(config):
    if _server is not None:
        _server.close()
