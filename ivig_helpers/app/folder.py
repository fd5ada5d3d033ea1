"""The report folder: what a run may replace, remove and leave behind.

- Only a folder the runner wrote itself is replaced: every report carries ``manifest.json``, the
  SHA-256 of every file the run wrote. A non-empty ``--out`` whose contents are not exactly those
  files is refused (exit status 2) and left untouched; so is an input file inside ``--out``. The
  same rule guards ``OUT.failed``, where the notebook of a failed run is kept.
- A run is built in a hidden folder beside ``--out`` (``.OUT-building-*``, marked as the
  runner's) and swapped in with renames at the end; only marked folders are ever removed.
- One run at a time per report: a lock file beside it (``.OUT.lock``, through ``filelock``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from ..errors import UsageError

REPORT_MARKER = "index.html"  # the landing page of every report
MANIFEST = "manifest.json"  # every file the run wrote, with its SHA-256 (not itself)
LISTED = 5  # file names listed in a message before "and N more"


def has_report(out: Path) -> bool:
    return out.is_dir() and any(out.iterdir())


# --- the report folder: what may be replaced ---------------------------------------------------

def report_folder(out: Path) -> Path:
    try:
        out = out.resolve()
    except RuntimeError:  # Python before 3.13
        raise UsageError(f"--out '{out}' is a loop of symbolic links") from None
    if out == out.parent:
        raise UsageError(f"--out '{out}' is the root folder; name a folder for the report")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out '{out}' is a file; it must be a folder")
    return out


def refuse_input_inside(data: Path, out: Path) -> None:
    """Refuse an input file inside a folder that the run replaces or removes."""
    try:
        source = data.resolve()
    except (OSError, RuntimeError):  # a symlink loop...: load_cohort will say what is wrong
        return
    if source.is_relative_to(out):
        raise UsageError(f"the input file '{data.name}' is inside the report folder '{out}', "
                         "which the run replaces as a whole; nothing was changed. Move the file "
                         "out of that folder, or name another folder with --out")
    for folder in _unfinished(out):
        if source.is_relative_to(folder):
            raise UsageError(f"the input file '{data.name}' is inside '{folder}', an unfinished "
                             "folder of an earlier run that was stopped, which the next run "
                             "removes; nothing was changed. Move the file elsewhere first")


STAGING_MARK = ".made-by-ivig-helpers-run"
"""A file in every staging folder, written as the folder is made: only a folder that carries it
is ever taken for one a stopped run left behind, and removed."""


def new_staging(out: Path) -> Path:
    """A new staging folder beside ``out`` (``.OUT-building-XXXXXXXX``), with its mark."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-building-", dir=out.parent))
    (staging / STAGING_MARK).write_text(
        "This folder was made by `python -m ivig_helpers run` to build a report. A run that "
        "was stopped left it; the next run into the same report removes it.\n", encoding="utf-8")
    return staging


def _unfinished(out: Path, marked: bool = True) -> list[Path]:
    """The staging folders that stopped runs left beside ``out`` (``.OUT-building-XXXXXXXX``,
    with the runner's mark; ``marked=False``: those named so but without it, not the runner's)."""
    pattern = re.compile(rf"\.{re.escape(out.name)}-building-[a-z0-9_]{{8}}")
    try:
        entries = list(out.parent.iterdir())
    except OSError:
        return []
    return [entry for entry in entries
            if pattern.fullmatch(entry.name) and entry.is_dir() and not entry.is_symlink()
            and (entry / STAGING_MARK).is_file() == marked]


def remove_unfinished(out: Path, signals) -> None:
    """Remove what stopped runs left beside ``out`` (called while holding the lock of ``out``):
    only folders with the runner's mark; a folder of the same name without it is the user's."""
    for folder in _unfinished(out, marked=False):
        print(f"Note: {folder.name} beside the report was left as it was: its name is that of "
              "an unfinished run, but no run of this tool made it")
    for folder in _unfinished(out):
        with signals.held():
            shutil.rmtree(folder, ignore_errors=True)
        if folder.exists():
            print(f"Note: could not remove {folder}, left by an earlier run that was stopped; "
                  "please remove it by hand")
        else:
            print(f"Removed {folder.name}, left beside the report by an earlier run that was "
                  "stopped")


def why_not_replaceable(folder: Path) -> str | None:
    """None when a run may replace ``folder``: it is missing, empty, or holds exactly the files
    of its manifest, unchanged. Otherwise why not, as the rest of a sentence that starts with the
    folder's name."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        return "is not a folder"
    if not folder.exists() or not any(folder.iterdir()):
        return None
    listed = _read_manifest(folder)  # first: a big folder of the user's is not walked through
    if listed is None:
        return (f"holds files and is not an earlier report written by this command (it has no "
                f"readable {MANIFEST}, the list of the files a run writes)")
    files, others = _walk(folder)
    files.pop(MANIFEST)
    extra = sorted(set(files) - set(listed)) + others
    missing = sorted(set(listed) - set(files))
    changed = sorted(name for name in set(listed) & set(files)
                     if _sha256(files[name]) != listed[name])
    reasons = []
    if extra:
        reasons.append("it holds files the run did not write: " + _names(extra))
    if changed:
        reasons.append("files were changed after the run wrote them: " + _names(changed))
    if missing:
        reasons.append("files the run wrote are missing: " + _names(missing))
    return "is an earlier report, but " + "; ".join(reasons) if reasons else None


def _walk(folder: Path) -> tuple[dict[str, Path], list[str]]:
    """The regular files under ``folder`` by relative path, and anything else found there
    (symbolic links, empty folders, ...), which no run writes."""
    files: dict[str, Path] = {}
    others: list[str] = []

    def visit(directory: str, prefix: str) -> None:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        if not entries and prefix:
            others.append(prefix)
        for entry in entries:
            name = prefix + entry.name
            if entry.is_symlink():
                others.append(name)
            elif entry.is_dir(follow_symlinks=False):
                visit(entry.path, name + "/")
            elif entry.is_file(follow_symlinks=False):
                files[name] = Path(entry.path)
            else:
                others.append(name)

    visit(str(folder), "")
    return files, others


def _read_manifest(folder: Path) -> dict[str, str] | None:
    path = folder / MANIFEST
    if path.is_symlink() or not path.is_file():
        return None
    try:
        listed = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, dict) or not all(isinstance(name, str) and isinstance(sha, str)
                                               for name, sha in listed.items()):
        return None
    return listed


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def write_manifest(folder: Path, written_by: str = "python -m ivig_helpers run") -> Path:
    """Write ``folder/manifest.json``: every file in ``folder`` (at any depth, the manifest
    itself excepted) with its SHA-256. Only a folder that still holds exactly these files is
    ever replaced or removed by a later run."""
    files, _ = _walk(folder)
    files.pop(MANIFEST, None)
    content = {
        "written_by": written_by,
        "about": "Every file the run wrote, with its SHA-256. A later run replaces this folder "
                 "only while it holds exactly these files, unchanged.",
        "files": {name: _sha256(path) for name, path in sorted(files.items())},
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    return path


def _retire(folder: Path, retired: Path) -> str | None:
    """Move ``folder`` (a run's own, as checked before) to ``retired`` and check it once more
    there, where nothing can be added to it any longer; put it back and say why if it is no
    longer the run's own."""
    folder.rename(retired)
    problem = why_not_replaceable(retired)
    if problem:
        retired.rename(folder)
    return problem


def swap_into_place(report: Path, out: Path, retired: Path) -> str | None:
    """Replace ``out`` by ``report`` with renames on the same file system. Returns why not, and
    changes nothing, if ``out`` is no longer a folder the run may replace."""
    if out.exists() or out.is_symlink():
        problem = _retire(out, retired)
        if problem:
            return problem
        try:
            report.rename(out)
        except OSError:
            retired.rename(out)  # put the earlier report back before giving up
            raise
    else:
        report.rename(out)
    return None


def remove_failed_if_ours(failed_dir: Path, staging: Path) -> None:
    """After a success, remove what an earlier failed run kept, if it is exactly that."""
    if not failed_dir.exists() and not failed_dir.is_symlink():
        return
    problem = why_not_replaceable(failed_dir)
    if problem is None and any(failed_dir.iterdir()):
        problem = _retire(failed_dir, staging / "superseded-failure")  # removed with staging
    elif problem is None:
        return  # an empty folder: no run wrote it, nothing is lost by leaving it
    if problem:
        print(f"Note: {failed_dir} was left as it was: it {problem}")


# --- a failed run ------------------------------------------------------------------------------

def report_failure(failure, staging: Path, out: Path, failed_dir: Path,
                   signals) -> None:
    """Keep the partly executed notebook in ``OUT.failed`` (replacing what an earlier failed run
    kept there, and only that) and say what happened."""
    print(f"The analysis failed in {failure.notebook}: {failure.detail}", file=sys.stderr)
    target = staging / "report" / failure.notebook
    if target.is_file():
        kept = staging / "failed"
        kept.mkdir()
        shutil.copyfile(target, kept / target.name)
        write_manifest(kept)
        with signals.held():
            where, problem = _put_failure_in_place(kept, failed_dir, staging)
        print(f"The partly executed notebook is kept in {where / failure.notebook}",
              file=sys.stderr)
        if problem:
            print(f"({failed_dir} was left as it was: it {problem})", file=sys.stderr)
    if has_report(out):
        print(f"The earlier report in {out} was left as it was.", file=sys.stderr)


def _put_failure_in_place(kept: Path, failed_dir: Path, staging: Path) -> tuple[Path, str | None]:
    problem = why_not_replaceable(failed_dir)
    if problem is None:
        problem = swap_into_place(kept, failed_dir, staging / "previous-failure")
        if problem is None:
            return failed_dir, None
    # OUT.failed holds something else: keep the notebook in a new folder beside it
    elsewhere = Path(tempfile.mkdtemp(prefix=f"{failed_dir.name}-", dir=failed_dir.parent))
    kept.rename(elsewhere)  # replaces the new, empty folder
    return elsewhere, problem


@contextlib.contextmanager
def lock(out: Path):
    """Hold ``.OUT.lock`` beside ``out`` for the run (``filelock``: ``flock`` on Linux and macOS,
    the system's own file lock on Windows).

    The file is never emptied. A lock file the run made is removed at the end, while still held
    (a run that opened it meanwhile finds it removed and does not take it); a file that was
    there before, perhaps a file of the user's that bears that name, is only locked and left as
    it was.
    """
    from filelock import FileLock, Timeout

    path = out.parent / f".{out.name}.lock"
    made_here = not os.path.lexists(path)
    lock = FileLock(path, timeout=0, mode=0o600, thread_local=False, preserve_lock_file=True)
    try:
        lock.acquire()
    except Timeout:
        raise UsageError(f"another run is writing to '{out}'; nothing was changed. Wait "
                         "until it has finished, or name another folder with --out") from None
    try:
        yield
    finally:
        if made_here:
            with contextlib.suppress(OSError):
                path.unlink()
        lock.release()


