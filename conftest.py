"""How the test run is laid out: the slowest test files first, and nbval's kernels forked.

``make test`` hands whole test files to the workers (pytest-xdist, ``--dist loadscope``) in the
order collected here, so the files that run whole collections start first and the many short
ones fill the end: both workers then finish at about the same time.

nbval runs the committed notebooks in the IPython kernel provisioned by forking, as
``python -m ivig_helpers run --fast-kernels`` does (:mod:`ivig_helpers.app.kernels`): a fresh
kernel spends most of a small notebook's time importing the libraries. nbval is given a kernel
spec of its own (``--nbval-kernel-name``), written into a folder put first on ``JUPYTER_PATH``,
whose metadata names the fork provisioner; the ``python3`` kernel stays standard for everything
else. IVIG_FAST_KERNELS=0, or a kernel chosen on the command line, leaves nbval's choice alone.
Where a kernel cannot be forked, the provisioner starts it the standard way and says why.
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

NBVAL_KERNEL = "python3-ivig-fork"
_spec_folder = None


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


def pytest_configure(config):
    global _spec_folder
    import os
    import tempfile

    option = config.option
    if (not config.pluginmanager.hasplugin("nbval")
            or os.environ.get("IVIG_FAST_KERNELS", "1").strip().lower() not in ("1", "yes", "true")
            or getattr(option, "nbval_kernel_name", None) or getattr(option, "nbval_current_env",
                                                                      False)):
        return
    from ivig_helpers.app.kernels import write_kernel_spec

    _spec_folder = tempfile.mkdtemp(prefix="ivig-nbval-kernels-")
    write_kernel_spec(_spec_folder, NBVAL_KERNEL)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [_spec_folder, os.environ.get("JUPYTER_PATH")]))
    option.nbval_kernel_name = NBVAL_KERNEL


def pytest_unconfigure(config):
    if _spec_folder is not None:
        import shutil

        from ivig_helpers.app.kernels import stop_servers

        stop_servers()
        shutil.rmtree(_spec_folder, ignore_errors=True)
