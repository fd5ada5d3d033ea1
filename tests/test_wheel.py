"""Installed from a wheel, away from the checkout, the tool runs the whole collection.

The wheel is built from this checkout without downloading anything (the build tools are pinned
in requirements-dev.txt), unpacked into a folder of its own and put first on the path of a
run started in another folder: the package, its templates, the bundled cohort, the published
numbers and the notebooks all come from the wheel.
"""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_installed_away_from_the_checkout_runs_the_collection(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("ivig_helpers-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("ivig_helpers/_bundled/data/synthetic_cohort.csv",
                    "ivig_helpers/_bundled/data/published_targets.csv",
                    "ivig_helpers/_bundled/data/ivig_cohorts.csv",
                    "ivig_helpers/_bundled/notebooks/01_cohort.ipynb",
                    "ivig_helpers/app/templates/ivig_report/index.html.j2"):
        assert shipped in names, shipped
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "IVIG_FAST_KERNELS": "1"}
    where = subprocess.run([sys.executable, "-c", "import ivig_helpers, ivig_helpers.bundled as b;"
                            " print(ivig_helpers.__file__); print(b.NOTEBOOKS_DIR);"
                            " from ivig_helpers.app import kernels; print(kernels.registered())"],
                           capture_output=True, text=True, env=env, cwd=elsewhere, timeout=60)
    package, notebooks, registered = where.stdout.split()
    assert Path(package).is_relative_to(site) and Path(notebooks).is_relative_to(site)
    # the fork provisioner of --fast-kernels is an entry point jupyter_client finds, installed
    assert registered == "True", where.stderr
    bundled = site / "ivig_helpers" / "_bundled" / "data" / "synthetic_cohort.csv"
    done = subprocess.run([sys.executable, "-m", "ivig_helpers", "run", "--data", str(bundled),
                           "--out", "report"], capture_output=True, text=True, env=env,
                          cwd=elsewhere, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    report = elsewhere / "report"
    assert "[8/8]" in done.stdout  # every notebook ran
    assert "Kernels: fast start" in done.stdout and "Kernels:" not in done.stderr
    results = json.loads((report / "results.json").read_text())
    assert results["responders"] == 22 and results["bundled_synthetic_cohort"] is True
    assert len(list(report.glob("0*.html"))) == 8
