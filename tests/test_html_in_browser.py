"""The HTML reports opened in a real headless browser, with the network blocked: every page
renders with its figures, every link leads to a file of the report, no code is shown, and no page
asks for anything outside the machine.

Chromium comes from the Debian packages; when it is missing, this test installs it (as root, with
apt-get), which is how CI gets it on a fresh machine.

Every page is opened in one start of the browser: a page beside the report holds each page in a
frame of its own and, once they have all loaded, writes what the browser saw into its own DOM
(``--dump-dom``). Each page of a copy of the report carries a small script that records, once
the page has loaded, each image (loaded, its size, its alternative text) and every request the
page made. Two pages are also taken as screenshots, alone. Chromium runs behind a proxy that
refuses everything, with every host name unresolvable, so a page that needed the network would
lose what it asked for, and its request would still show in the list.
"""

import json
import os
import re
import shutil
import subprocess

import pytest
from bs4 import BeautifulSoup

from .conftest import ROOT, assert_links_stay_in_report

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
# No request leaves the machine: a proxy on the discard port, not bypassed for anything but
# loopback, and no host name resolves.
NO_NETWORK = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
              "--host-resolver-rules=MAP * ~NOTFOUND"]

CHECK_ID = "ivig-browser-check"
# Added to the copy of each page: after the load event, what the browser saw, as JSON in the DOM
CHECK = f"""<script>
window.addEventListener("load", () => {{
  const images = [...document.images].map(image => ({{
    src: image.getAttribute("src").slice(0, 40), alt: image.alt,
    loaded: image.complete && image.naturalWidth > 0, width: image.naturalWidth}}));
  const requests = performance.getEntriesByType("resource").map(entry => entry.name);
  const record = document.createElement("pre");
  record.id = "{CHECK_ID}";
  record.textContent = JSON.stringify({{images, requests}});
  document.body.appendChild(record);
}});
</script>"""

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

FIGURES = {"01_cohort": 1, "02_responders": 3, "03_seizure_types": 2, "04_medications": 1,
           "05_scorecard": 0, "06_appraisal": 4, "07_exercises": 0, "08_answers": 0}


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


def browse(chromium, profile, page, *action):
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, *NO_NETWORK, f"--user-data-dir={profile}",
                           *action, page.as_uri()], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def checked_copy(bundled_report, tmp_path_factory):
    """A copy of the bundled report in which every page carries the check script."""
    copy = tmp_path_factory.mktemp("browsed") / "report"
    shutil.copytree(bundled_report, copy)
    for page in copy.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert text.count("</body>") == 1, page.name
        page.write_text(text.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    return copy


# Beside the pages: one frame per page; once all have loaded (the load event waits for every
# frame), each page's DOM, as JSON in this page's own DOM. Reading a frame's DOM from a file page
# needs --allow-file-access-from-files, which holds for the whole browser: a page that read
# other files by script would work here and not when opened alone. The report's pages hold no
# script of their own (the check script is added to this copy only).
FRAMES_ID = "ivig-frames"
FRAMES = """<!DOCTYPE html><html><body>{frames}<pre id="{id}"></pre><script>
window.addEventListener("load", () => {{
  const pages = {{}};
  for (const frame of document.querySelectorAll("iframe")) {{
    pages[frame.dataset.name] = frame.contentDocument.documentElement.outerHTML;
  }}
  document.getElementById("{id}").textContent = JSON.stringify(pages);
}});
</script></body></html>"""


def open_in_frames(chromium, profile, pages):
    """Open ``pages`` (files of one folder) in one start of the browser; each page's DOM as the
    browser left it, by file name."""
    folder = pages[0].parent
    frames = "".join(f'<iframe data-name="{page.name}" src="{folder.name}/{page.name}" '
                     'loading="eager" width="1100" height="800"></iframe>' for page in pages)
    holder = folder.parent / f"{folder.name}-frames.html"
    holder.write_text(FRAMES.format(frames=frames, id=FRAMES_ID), encoding="utf-8")
    dom = browse(chromium, profile, holder, "--allow-file-access-from-files", "--dump-dom")
    record = BeautifulSoup(dom, "html.parser").find(id=FRAMES_ID)
    assert record is not None and record.get_text(), "the pages did not finish loading"
    return json.loads(record.get_text())


def what_the_browser_saw(dom):
    """A page's DOM, parsed, and the record its check script wrote."""
    soup = BeautifulSoup(dom, "html.parser")
    record = soup.find(id=CHECK_ID)
    return soup, (json.loads(record.get_text()) if record is not None else None)


@pytest.fixture(scope="module")
def opened(chromium, checked_copy, tmp_path_factory):
    """Every page of the report as the browser left it: its DOM and the check's record."""
    doms = open_in_frames(chromium, tmp_path_factory.mktemp("profile"),
                          sorted(checked_copy.glob("*.html")))
    pages = {}
    for name, dom in doms.items():
        soup, record = what_the_browser_saw(dom)
        assert record is not None, f"{name}: the page did not finish loading"
        pages[name] = (dom, soup, record)
    return pages


def test_every_page_of_the_report_is_opened(opened):
    assert sorted(opened) == sorted(["index.html", "report.html",
                                     *(n.with_suffix(".html").name for n in NOTEBOOKS)])


@pytest.mark.parametrize("name", [n.stem for n in NOTEBOOKS])
def test_report_page_shows_figures_and_no_code(opened, name):
    dom, soup, record = opened[f"{name}.html"]
    figures = [image for image in record["images"]
               if image["src"].startswith("data:image/png;base64,")]
    assert len(figures) >= FIGURES[name]
    assert all(image["loaded"] and image["width"] > 100 for image in figures), figures
    assert all(image["alt"].startswith("Figure: ") for image in figures), figures
    body = re.sub(r"<style.*?</style>", "", dom, flags=re.S)  # class names in CSS don't count
    assert "jp-InputArea-editor" not in body and "hl-ipython3" not in body  # no code cells
    assert "import ivig_helpers" not in dom and "start_notebook" not in dom
    assert "synthetic" in dom.lower()
    assert soup.select_one("header.ivig-header nav a[href='index.html']") is not None


def test_the_landing_page_shows_the_numbers_and_every_thumbnail(opened, bundled_report):
    dom, soup, record = opened["index.html"]
    results = json.loads((bundled_report / "results.json").read_text())
    low, high = results["responder_rate_ci"]
    text = " ".join(soup.get_text(" ").split())
    assert f"{results['responders']} of {results['n_analysed']}" in text
    assert f"95% CI {100 * low:.1f}% to {100 * high:.1f}%" in text
    assert soup.select_one(".ivig-banner") is not None and "synthetic" in text.lower()
    thumbnails = record["images"]
    assert len(thumbnails) == len(list(bundled_report.glob("*.png"))) > 0
    assert all(image["loaded"] and image["alt"] for image in thumbnails), thumbnails


def test_no_page_asks_for_anything_outside_the_machine(opened):
    for name, (_, _, record) in opened.items():
        outside = [url for url in record["requests"] if not url.startswith(("file:", "data:"))]
        assert outside == [], f"{name} asked for {outside}"


def test_every_link_leads_to_a_file_of_the_report_or_a_place_on_its_page(opened, checked_copy):
    # the pages as the browser left them; test_site checks the files as written
    assert_links_stay_in_report(checked_copy, {name: soup for name, (_, soup, _) in opened.items()})


@pytest.mark.parametrize("name", ["index", "02_responders"])
def test_pages_render_without_the_network(chromium, bundled_report, tmp_path, name):
    shot = tmp_path / f"{name}.png"
    browse(chromium, tmp_path / "profile", bundled_report / f"{name}.html",
           f"--screenshot={shot}", "--window-size=1100,1600")
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one


def test_the_check_would_see_a_page_that_needs_the_network(chromium, tmp_path):
    """The check itself: a page that loads a script and an image from outside is caught."""
    page = tmp_path / "outside" / "outside.html"
    page.parent.mkdir()
    page.write_text('<!DOCTYPE html><html><head><script src="https://cdnjs.cloudflare.com/'
                    'ajax/libs/require.js/2.1.10/require.min.js"></script></head><body>'
                    '<img src="https://example.org/figure.png" alt="x">' + CHECK + "</body>"
                    "</html>", encoding="utf-8")
    _, record = what_the_browser_saw(open_in_frames(chromium, tmp_path / "profile",
                                                    [page])["outside.html"])
    assert len(record["requests"]) == 2 and not record["images"][0]["loaded"]
