"""How the test run is laid out: the slowest test files first, and nbval's kernels forked.

``make test`` hands whole test files to the workers (pytest-xdist, ``--dist loadscope``) in the
order collected here, so the files that run whole collections start first and the many short
ones fill the end: both workers then finish at about the same time.

nbval runs the committed notebooks in kernels forked from one process per test worker that has
imported the libraries once, as ``python -m ivig_helpers run --fast-kernels`` does
(:mod:`ivig_helpers.app.kernels`):
a fresh kernel spends most of a small notebook's time importing them. The notebooks still name
the ``python3`` kernel, and the kernel is the same IPython kernel; only how it starts differs.
Where the server cannot start, nbval starts ordinary kernels.
"""

import pytest

SLOWEST_FIRST = ("tests/test_wheel.py", "tests/test_own_cohort.py", "tests/test_notebooks.py",
                 "tests/test_report_folder.py", "tests/test_unusual_cohorts.py",
                 "tests/test_site.py", "tests/test_scale.py", "tests/test_disclosure_attack.py",
                 "tests/test_html_in_browser.py", "tests/test_appraisal.py",
                 "tests/test_privacy.py", "tests/test_release.py", "tests/test_words.py")
"""Measured with ``pytest --durations``; a file not named here comes after them, in its order.
test_report_folder and test_scale mostly wait (for stopped runs to end): each is placed to run
beside files that compute."""

_server = None


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent with -p no:xdist
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the machine's cores (as xdist counts them), unless
    PYTEST_XDIST_AUTO_NUM_WORKERS says otherwise. Many tests wait (for a kernel to start, a
    stopped run to end, a browser); a third worker on two cores keeps them busy meanwhile
    (measured: 82 s with two workers, 75 s with three, 79 s with four)."""
    import os

    import psutil

    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses != "auto":
        return None  # xdist's own answer
    return (psutil.cpu_count(logical=False) or os.cpu_count() or 1) + 1


def pytest_collection_modifyitems(items):
    rank = {name: place for place, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))  # stable


def _fork_nbval_kernels() -> None:
    global _server
    import nbval.kernel

    from ivig_helpers.app.kernels import ForkServer

    _server = ForkServer()
    manager = _server.manager_class(synchronous=True)
    if manager is not None:
        nbval.kernel.KernelManager = manager  # what nbval's start_new_kernel creates
    start = nbval.kernel.start_new_kernel

    def start_again_if_it_dies(*args, **kwargs):
        # as the runner does (runner.KERNEL_STARTS): another kernel starting at that moment may
        # take a port chosen for this one, which then dies before it answers
        for attempt in range(3):
            try:
                return start(*args, **kwargs)
            except RuntimeError:
                if attempt == 2:
                    raise

    nbval.kernel.start_new_kernel = start_again_if_it_dies


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # before nbval's notebook starts its kernel (in its setup), once per worker, and only in a
    # worker that runs a notebook
    if _server is None and type(item).__module__.startswith("nbval"):
        _fork_nbval_kernels()


def pytest_unconfigure(config):
    if _server is not None:
        _server.close()
