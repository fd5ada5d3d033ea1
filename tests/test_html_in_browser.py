"""The HTML reports opened in a real headless browser: figures present, no code shown.

Chromium comes from the Debian packages; when it is missing, this test installs it (as root, with
apt-get), which is how CI gets it on a fresh machine.
"""

import os
import re
import shutil
import subprocess

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def find_or_install_chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env,
                       capture_output=True)
        found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is needed for this test in CI and could not be installed")
        pytest.skip("Chromium is not installed, and installing it needs root and apt-get")
    return found


@pytest.fixture(scope="module")
def chromium():
    return find_or_install_chromium()


def browse(chromium, tmp_path, page, *action):
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           *action, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("name, figures", [("01_cohort", 1), ("02_responders", 3),
                                           ("03_seizure_types", 2), ("04_medications", 1),
                                           ("05_scorecard", 0)])
def test_report_page_shows_figures_and_no_code(chromium, bundled_report, tmp_path, name, figures):
    dom = browse(chromium, tmp_path, bundled_report / f"{name}.html", "--dump-dom")
    images = re.findall(r'<img[^>]+src="data:image/png;base64,', dom)
    assert len(images) >= figures
    body = re.sub(r"<style.*?</style>", "", dom, flags=re.S)  # class names in CSS don't count
    assert "jp-InputArea-editor" not in body and "hl-ipython3" not in body  # no code cells
    assert "import ivig_helpers" not in dom and "start_notebook" not in dom
    assert "synthetic" in dom.lower()
    shot = tmp_path / f"{name}.png"
    browse(chromium, tmp_path, bundled_report / f"{name}.html", f"--screenshot={shot}",
           "--window-size=1100,1600")
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
