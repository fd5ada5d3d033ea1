"""The data contract: the columns of a cohort file, what each may hold, how a file is checked.

Everything the project knows about the input format lives here. ``data/README.md`` documents the
same rules for people, the ``template`` command writes the header from :data:`COLUMNS`, and
:func:`load_cohort` enforces them, reporting every problem at once through :class:`CohortError`.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .bundled import DATA_DIR

SEIZURE_TYPES = ("focal", "generalized", "both")
"""Seizure types of the study; ``both`` is ILAE 2017 "combined generalized and focal"."""

SEXES = ("F", "M")
STUDY_AGE_RANGE = (2.0, 18.0)
ETIOLOGIES = ("genetic", "structural", "metabolic", "immune", "infectious", "unknown")
OTHER_ETIOLOGY = "other"
"""What any other etiology text becomes when a file is read (its wording is never kept)."""

BUNDLED_COHORT = DATA_DIR / "synthetic_cohort.csv"

# How many rows of one (column, rule) pair a message lists before it only counts the rest.
ROWS_LISTED_PER_RULE = 20
ROW_NUMBERS = "rows are numbered as a spreadsheet shows them: the header is row 1"
"""How every message counts rows: blank lines count, a quoted value over several lines is one
row."""
MISSING_MARKERS = ("na", "n/a", "#n/a", "nan", "-", "missing", "none", "null", ".")
"""Words a spreadsheet or a statistics package writes for "no value" (case and spaces ignored):
in a number column each is refused with what to write instead, never read as a number."""
MAX_COLUMNS = 1000
"""A header wider than this is refused before anything else is read."""
MAX_ID_LENGTH = 100
MAX_ASM_COUNT = 30.0
MAX_SEIZURES_PER_MONTH = 100_000.0
"""The most seizures in 28 days a frequency may give: about one every 25 seconds, day and night,
above any published count (a child with hundreds of absences a day has some thousands)."""


@dataclass(frozen=True)
class ColumnRule:
    """One column of the contract, described once for the checks, the template and the docs."""

    name: str
    meaning: str
    unit: str
    kind: str
    allowed: str
    required: bool


COLUMNS = (
    ColumnRule("patient_id", "Pseudonymous patient identifier", "-", "text",
               f"any non-empty text of at most {MAX_ID_LENGTH} characters; unique in the file",
               True),
    ColumnRule("seizure_type", "Seizure type (ILAE 2017); both = combined focal and generalized",
               "-", "category", "focal, generalized or both (case and spaces ignored)", True),
    ColumnRule("baseline_seizures_per_month", "Seizure frequency before the first IVIG infusion",
               "seizures per 28 days", "number",
               f"greater than 0 and at most {MAX_SEIZURES_PER_MONTH:,.0f}", True),
    ColumnRule("month12_seizures_per_month", "Seizure frequency one year after starting IVIG",
               "seizures per 28 days", "number",
               f"0 to {MAX_SEIZURES_PER_MONTH:,.0f}; blank when there is no one-year follow-up",
               True),
    ColumnRule("month3_seizures_per_month", "Seizure frequency three months after starting IVIG",
               "seizures per 28 days", "number",
               f"0 to {MAX_SEIZURES_PER_MONTH:,.0f}, or blank", False),
    ColumnRule("age_years", "Age at the first IVIG infusion", "years", "number",
               "at least 0 and below 120, or blank; outside 2-18 gives a warning", False),
    ColumnRule("sex", "Sex", "-", "category", "F, M or blank", False),
    ColumnRule("asm_count_baseline", "Antiseizure medications in use before IVIG", "count",
               "whole number", f"0 to {MAX_ASM_COUNT:g}, or blank", False),
    ColumnRule("asm_count_month12", "Antiseizure medications in use at one year", "count",
               "whole number", f"0 to {MAX_ASM_COUNT:g}, or blank", False),
    ColumnRule("etiology", "Cause of the epilepsy (ILAE categories)", "-", "text",
               ", ".join(ETIOLOGIES) + f", {OTHER_ETIOLOGY} or blank (case ignored; any other "
               f"text is grouped as {OTHER_ETIOLOGY})", False),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)


# Characters a message shows escaped (\r, \x1b...): a value cannot break its lines or drive the
# terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Problem:
    """One broken rule: where it is (column, row as numbered in the file) and what is wrong."""

    rule: str
    column: str | None = None
    row: int | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{_shown(self.column)}'")
        text = ", ".join(where)
        if self.value is not None:
            text += f": value '{_shown(self.value)}'"
        return f"{text}: {self.rule}" if text else self.rule


def _shown(text: str) -> str:
    """A cell or a name as a message shows it: at most 40 characters, control characters
    escaped."""
    text = text if len(text) <= 40 else text[:37] + "..."
    return _UNPRINTABLE.sub(lambda c: repr(c.group())[1:-1], text)


@dataclass(frozen=True)
class RowWarning:
    """Something unusual in rows of a file that meets the contract: the rows are read and
    analysed all the same. ``listed`` holds the first :data:`ROWS_LISTED_PER_RULE` rows (each a
    :class:`Problem` with column, row and value), ``count`` how many rows have it.

    Row numbers and values are for the terminal of ``validate`` only: what a report may say of
    them is the count in :attr:`Cohort.notes`.
    """

    column: str
    rule: str
    count: int
    listed: tuple[Problem, ...]

    def lines(self) -> list[str]:
        more = self.count - len(self.listed)
        return [f"  - {problem}" for problem in self.listed] + (
            [f"  - ... and {more:,} more rows of column '{self.column}': {self.rule}"]
            if more > 0 else [])


class CohortError(ValueError):
    """A cohort file that breaks the data contract. ``problems`` lists every broken rule."""

    def __init__(self, file_name: str, problems: list[Problem]):
        self.file_name = file_name
        self.problems = list(problems)
        super().__init__(self.message())

    def message(self) -> str:
        count = len(self.problems)
        lines = [f"The file '{self.file_name}' does not meet the data contract "
                 f"({count} problem{'s' if count != 1 else ''}):"]
        listed: dict[tuple, int] = {}
        for problem in self.problems:
            key = (problem.column, problem.rule)
            listed[key] = listed.get(key, 0) + 1
            if listed[key] <= ROWS_LISTED_PER_RULE:
                lines.append(f"  - {problem}")
        for (column, rule), n in listed.items():
            if n > ROWS_LISTED_PER_RULE:
                lines.append(f"  - ... and {n - ROWS_LISTED_PER_RULE} more rows of column "
                             f"'{column}' break the same rule: {rule}")
        if any(problem.row is not None for problem in self.problems):
            lines.append(f"({ROW_NUMBERS}.)")
        lines.append("The columns and their rules are listed in data/README.md "
                     "(`python -m ivig_helpers template` writes an empty file to start from).")
        return "\n".join(lines)


@dataclass
class Cohort:
    """A checked cohort: the clean table, what was noticed while reading it, and its origin.

    ``is_bundled`` is True only for a byte-for-byte copy of the bundled synthetic cohort: that is
    the one file whose rows the notebooks may show.

    ``notes`` reach the report (a count in them is released as the report shows counts): they
    name no row, no value and no identifier. ``warnings`` name the row and the value of each
    unusual cell, for the terminal of ``validate`` only (:func:`warnings_text`); they never go
    into a release.
    """

    table: pd.DataFrame
    file_name: str
    is_bundled: bool
    notes: list[str] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)


def load_cohort(path: str | Path) -> Cohort:
    """Read a cohort CSV file and check it against the contract.

    Parameters
    ----------
    path : str or Path
        A UTF-8, comma-separated file with one row per patient (a byte-order mark is fine; lines
        may end in ``\\n``, ``\\r\\n`` or, in every line, ``\\r``), the header on row 1 and at
        most :data:`MAX_COLUMNS` columns.

    Returns
    -------
    Cohort
        ``table`` has one row per patient and the contract's columns present in the file:
        ``patient_id`` (text), ``seizure_type`` (categorical: focal, generalized, both),
        frequencies and ages as floats (NaN when blank), ASM counts as floats, ``sex``
        categorical (F, M), ``etiology`` text: one of :data:`ETIOLOGIES` or "other" (NaN when
        blank). ``notes`` say, without naming or quoting them, how many columns outside the
        contract were ignored (they are neither read nor copied) and how many etiology values
        outside the contract's categories were grouped as "other"; they name the optional
        columns absent from the file and those blank in every row (dropped, as if absent).
        ``warnings`` name the row and the value of each unusual cell (an age outside
        :data:`STUDY_AGE_RANGE`, an etiology grouped as "other"), for ``validate`` only.

    Raises
    ------
    CohortError
        Listing every problem found: the column, the row as numbered in the file (the header is
        row 1), the offending value and the rule.

    Examples
    --------
    >>> cohort = load_cohort(BUNDLED_COHORT)
    >>> len(cohort.table), cohort.is_bundled
    (60, True)
    """
    path = Path(path)
    return cohort_from_bytes(_read_bytes(path, path.name), path.name)


def cohort_from_bytes(raw_bytes: bytes, name: str) -> Cohort:
    """:func:`load_cohort` of a file's bytes already read (``name`` is its file name): the
    runner reads the input once and keeps no copy of it on disk."""
    data = _decode(_check_bytes(raw_bytes, name), name)
    raw, ignored = _parse_csv(data, name)
    table, notes, warnings = _check_table(raw, name, ignored_columns=ignored)
    return Cohort(table=table, file_name=name, notes=notes, warnings=warnings,
                  is_bundled=is_bundled_bytes(raw_bytes))


def is_bundled_bytes(raw_bytes: bytes) -> bool:
    """True when these bytes are exactly the bundled synthetic cohort."""
    return BUNDLED_COHORT.is_file() and raw_bytes == BUNDLED_COHORT.read_bytes()


def _fail(name: str, rule: str, **where) -> CohortError:
    return CohortError(name, [Problem(rule=rule, **where)])


def _too_many_values(name: str, row: int, saw, expected) -> CohortError:
    return _fail(name, f"this row has {saw} values but the header has {expected} columns "
                       "(a stray comma?)", row=row)


def _too_few_values(row: int, saw: int, expected: int) -> Problem:
    return Problem(row=row, rule=f"this row has {saw} value{'s' if saw != 1 else ''} but the "
                                 f"header has {expected} columns (a value was lost? a blank "
                                 "value still needs its comma)")


def require_regular_file(path: str | Path) -> None:
    """Raise :class:`CohortError` unless ``path`` is a regular file: not a folder, a device
    (``/dev/zero`` would be read until memory runs out), a named pipe or standard input (reading
    would wait for a writer, or take whatever is piped in), so nothing is read that never ends.

    Examples
    --------
    >>> require_regular_file(BUNDLED_COHORT)
    >>> try:
    ...     require_regular_file("/dev/zero")
    ... except CohortError as refused:
    ...     print(refused.problems[0].rule)
    this is a device, not a file; give the path of a CSV file
    """
    _open_regular(Path(path), Path(path).name).close()


def _open_regular(path: Path, name: str):
    """``path`` opened for reading as a binary file, once it is known to be a regular file."""
    if str(path) == "-":
        raise _fail("-", "reading from standard input ('-') is not supported; save the data to "
                         "a CSV file and give its path")
    if not path.exists():
        raise _fail(name, f"the file was not found (looked for '{path}')")
    if path.is_dir():
        raise _fail(name, "this is a folder, not a CSV file")
    try:
        # without waiting: a named pipe opens at once instead of waiting for a writer
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _fail(name, f"the file could not be read ({exc.strerror})") from None
    mode = os.fstat(handle).st_mode
    if not stat.S_ISREG(mode):
        os.close(handle)
        kind = ("a named pipe or the output of another command" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a network socket" if stat.S_ISSOCK(mode) else "not a plain file")
        raise _fail(name, f"this is {kind}, not a file; give the path of a CSV file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(handle, True)
    return os.fdopen(handle, "rb")


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        with _open_regular(path, name) as handle:
            raw_bytes = handle.read()
    except OSError as exc:
        raise _fail(name, f"the file could not be read ({exc.strerror})") from None
    return _check_bytes(raw_bytes, name)


def _check_bytes(raw_bytes: bytes, name: str) -> bytes:
    """Refuse what is not CSV text at all, in words a user can act on."""
    if not raw_bytes.strip():
        raise _fail(name, "the file is empty; it needs a header row and one row per patient")
    if raw_bytes.startswith(b"PK\x03\x04") or raw_bytes.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(name, "this looks like a spreadsheet workbook (Excel or similar), not a CSV "
                          "file; save it as 'CSV UTF-8 (comma delimited)'")
    if raw_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _fail(name, "the text is UTF-16 (Excel's 'Unicode Text'), not UTF-8; save the file "
                          "as 'CSV UTF-8 (comma delimited)'")
    if b"\x00" in raw_bytes[:65536]:
        raise _fail(name, "this is a binary file, not CSV text")
    return raw_bytes


def _decode(raw_bytes: bytes, name: str) -> bytes:
    """Check that the bytes are UTF-8 text with something in it; return them without a byte-order
    mark and with every line ending in ``\\n``.

    The bytes, not the decoded text, go on to pandas: no copy of a large file four bytes a letter.
    """
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw_bytes[: exc.start]
        line_end = b"\n" if b"\n" in raw_bytes else b"\r"
        raise _fail(name, "the text is not UTF-8; save the file as 'CSV UTF-8'",
                    row=before.count(line_end) + 1) from None
    if not text.strip():  # only a byte-order mark, or only spaces and line ends
        raise _fail(name, "the file is empty; it needs a header row and one row per patient")
    del text
    data = raw_bytes.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n")
    lone = data.find(b"\r")
    if lone >= 0:
        if b"\n" in data:
            raise _fail(name, "a carriage return (\\r) on its own in a file whose other lines end "
                              "in a line feed (\\n): the line endings are mixed; save the file "
                              "again as 'CSV UTF-8 (comma delimited)'",
                        row=data.count(b"\n", 0, lone) + 1)
        data = data.replace(b"\r", b"\n")  # every line ends in \r, as old Mac spreadsheets wrote
    return data


# How pandas reads every part of a file: text cells as written, blank lines kept (they count in
# the row numbers), no column taken as an index.
_READ = dict(header=None, dtype=str, keep_default_na=False, skip_blank_lines=False,
             index_col=False, encoding="utf-8")


def _parse_csv(data: bytes, name: str) -> tuple[pd.DataFrame, int]:
    """Return the contract's columns, every cell as stripped text, indexed by the row number in
    the file, and how many columns outside the contract were ignored.

    ``data`` is what :func:`_decode` returns. Only the header line is looked at before the width
    of the file is known, so a header of a million columns is refused at once.
    """
    newline = data.find(b"\n")
    header_line = data if newline < 0 else data[:newline]
    if not header_line.replace(b",", b"").strip():
        raise _fail(name, "the first row is blank; the header (the column names) must be on row "
                          "1, with no blank rows above it", row=1)
    width = header_line.count(b",") + 1
    if width > MAX_COLUMNS and b'"' in header_line:  # commas inside quotes do not count
        width = re.sub(rb'"[^"]*"', b"", header_line).count(b",") + 1
    if width > MAX_COLUMNS:
        raise _too_wide(name, width)
    try:
        header = pd.read_csv(io.BytesIO(header_line), **_READ).iloc[0].tolist()
    except (ValueError, IndexError) as exc:
        raise _read_error(name, exc) from None
    if len(header) > MAX_COLUMNS:
        raise _too_wide(name, len(header))
    if len(header) == 1:
        for separator, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if separator.encode() in header_line:
                raise _fail(name, f"the values are separated by {label}; the contract needs "
                                  "commas (save as 'CSV UTF-8 (comma delimited)')", row=1)
    columns = [str(c).replace("\ufeff", "").strip().lower() for c in header]
    seen: set[str] = set()
    duplicated = [c for c in columns if c in COLUMN_NAMES and (c in seen or seen.add(c))]
    if duplicated:
        raise CohortError(name, [Problem(column=c, row=1, rule="this column name appears more "
                                         "than once in the header") for c in duplicated])
    kept = {i: c for i, c in enumerate(columns) if c in COLUMN_NAMES}
    ignored = [i for i in range(len(columns)) if i not in kept]
    fast = _parse_plain_body(data, newline, len(columns), kept, ignored)
    if fast is not None:
        return fast, len(ignored)
    # The body starts with the header's line end, which pandas reads as a blank first row: its
    # record numbers are then the rows of the file, and a first patient row with a value too
    # many is an error like any other (after a first row of values, pandas would quietly take
    # the extra value for an index).
    body = b"\n" if newline < 0 else data[newline:]
    dtypes = {i: (str if i in kept else "category") for i in range(len(columns))}
    try:
        cells = pd.read_csv(io.BytesIO(body), **{**_READ, "dtype": dtypes},
                            names=list(range(len(columns))))
    except (ValueError, IndexError) as exc:
        raise _read_error(name, exc) from None
    cells.index = np.arange(1, len(cells) + 1)  # row numbers as in the file; the header is row 1
    cells = cells.iloc[1:]
    raw = cells[list(kept)].set_axis(list(kept.values()), axis=1).fillna("")
    if len(raw.columns):
        raw = raw.apply(lambda column: column.str.strip())
    filled = raw.ne("").any(axis=1).to_numpy() | _filled_rows(cells, ignored)
    short = _short_rows(body, len(columns))
    if short:  # pandas would read the values missing at the end as blanks
        raise CohortError(name, [_too_few_values(row, saw, len(columns)) for row, saw in short])
    raw = raw[filled]  # blank lines are not patients
    if len(raw) == 0:
        raise _fail(name, "the file has a header but no patient rows")
    return raw, len(ignored)


def _short_rows(body: bytes, width: int) -> list[tuple[int, int]]:
    """The rows with fewer values than the header has columns, and something in them (a blank
    line, or one of commas and spaces only, is no patient): (row number, values in it).

    ``body`` starts with the header's line end, so its first line is row 1. A quoted value
    counts as one value, whatever commas or line ends it holds (as for the header's width).
    """
    if b'"' in body:
        body = re.sub(rb'"[^"]*"', b"q", body)
    return [(number, line.count(b",") + 1)
            for number, line in enumerate(body.split(b"\n"), start=1)
            if line.count(b",") + 1 < width and line.replace(b",", b"").strip()]


# The bytes a plain body may hold: printable ASCII and line feeds (no quotes, no tabs, no other
# control characters), so that splitting at commas and stripping spaces is all the reading there is.
_PLAIN_BYTES = bytes([10, *range(32, 127)]).replace(b'"', b"")
_FAST_BODY_BYTES = 1 << 16
_FAST_ROWS = 1000  # columns from this length on are converted with Arrow (same results)
"""Bodies from this size on are read by Arrow's CSV reader when they are plain (see
:func:`_parse_plain_body`); smaller ones by pandas, as always."""


def _parse_plain_body(data: bytes, newline: int, width: int, kept: dict[int, str],
                      ignored: list[int]) -> pd.DataFrame | None:
    """The contract's columns of a large, plain body, read by Arrow's multithreaded CSV reader;
    None when the body is anything but plain, and pandas reads it as before.

    Plain: printable ASCII without quotation marks, every line a row of exactly ``width``
    values, no blank line, and no row blank in every column of the contract. Then each line is
    one record, the row numbers are the line numbers, and the result is exactly what the pandas
    reader gives (text cells, stripped; the same index and string type). Anything else (quotes,
    a value too many or too few, blank lines, other characters) goes to the pandas reader, which
    finds and words every problem as it always has.
    """
    body = data[newline + 1:] if newline >= 0 else b""
    if (len(body) < _FAST_BODY_BYTES or not kept or body.startswith(b"\n")
            or b"\n\n" in body or body.translate(None, _PLAIN_BYTES)):
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as arrow_csv
    except ImportError:  # pragma: no cover - pyarrow is pinned in requirements.txt
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        read = arrow_csv.read_csv(
            pa.py_buffer(body),
            read_options=arrow_csv.ReadOptions(column_names=names),
            parse_options=arrow_csv.ParseOptions(quote_char=False, newlines_in_values=False),
            convert_options=arrow_csv.ConvertOptions(
                include_columns=[names[i] for i in kept],
                column_types={names[i]: pa.large_string() for i in kept},  # as pandas keeps text
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException):  # a row of another width...: pandas words it
        return None
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    spaces = b" " in body  # without any, nothing to strip
    # the reader's blocks stay as they are (pandas keeps an Arrow column in chunks): joining
    # them would copy every column once more
    raw = pd.DataFrame({name: pd.Series(pd.array(
        _stripped(read.column(names[i])) if spaces else read.column(names[i]),
        dtype=text)) for i, name in kept.items()})
    raw.index = np.arange(2, len(raw) + 2)  # the header is row 1; every line is one row
    if len(raw) == 0 or not raw.ne("").any(axis=1).all():
        return None  # a row blank in the contract's columns: pandas looks at the others
    return raw


def _stripped(column):
    """An Arrow column of printable ASCII text without the spaces around each value."""
    from pyarrow import compute

    return compute.utf8_trim(column, characters=" ")


def _too_wide(name: str, width: int) -> CohortError:
    return _fail(name, f"the header has {width:,} columns; a cohort file may have at most "
                       f"{MAX_COLUMNS:,}", row=1)


def _read_error(name: str, exc: Exception) -> CohortError:
    """A CohortError for what pandas could not read, with the row where pandas says."""
    text = str(exc)
    found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if found:
        expected, line, saw = found.groups()
        return _too_many_values(name, int(line), saw, expected)
    found = re.search(r"EOF inside string starting at row (\d+)", text)
    if found:  # pandas counts from 0
        return _fail(name, 'a quotation mark (") opens a value that is never closed; remove it '
                           "or close the value with another", row=int(found.group(1)) + 1)
    return _fail(name, f"the file could not be read as CSV ({text.strip()})")


def _filled_rows(cells: pd.DataFrame, positions: list[int]) -> np.ndarray:
    """Rows with something other than spaces in one of these (categorical) columns, column by
    column over the categories, not row by row."""
    filled = np.zeros(len(cells), dtype=bool)
    for position in positions:
        column = cells[position]
        categories = column.cat.categories
        written = np.flatnonzero(categories.astype(str).str.strip() != "")
        if len(written):
            filled |= np.isin(column.cat.codes.to_numpy(), written)
    return filled


def check_table(raw: pd.DataFrame, name: str = "cohort", *,
                ignored_columns: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """Check a table of text cells against the contract and return the typed table and notes.

    ``raw`` holds the cells as text, its index being the row numbers to report. Its columns
    outside the contract are dropped unread and only counted in a note, with
    ``ignored_columns`` more that were never read.
    """
    table, notes, _ = _check_table(raw, name, ignored_columns=ignored_columns)
    return table, notes


def _check_table(raw: pd.DataFrame, name: str, *, ignored_columns: int
                 ) -> tuple[pd.DataFrame, list[str], list[RowWarning]]:
    """:func:`check_table`, and the warnings that name rows and values (for ``validate``)."""
    problems: list[Problem] = []
    warnings: list[RowWarning] = []
    notes: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    problems += [Problem(column=c, row=1, rule="this required column is missing from the header")
                 for c in missing]
    extra = [c for c in raw.columns if c not in COLUMN_NAMES]
    raw = raw.drop(columns=extra)
    ignored = ignored_columns + len(extra)
    if ignored:  # never their names: a column name can hold an identifier
        notes.append(f"{_count(ignored, 'column')} outside the data contract "
                     f"{'was' if ignored == 1 else 'were'} ignored (not read, not copied).")
    blank_optional = [c.name for c in COLUMNS
                      if not c.required and c.name in raw and raw[c.name].eq("").all()]
    if blank_optional:
        raw = raw.drop(columns=blank_optional)
        notes.append("Optional columns blank in every row, so treated as not in this file "
                     "(analyses that need them are skipped): " + ", ".join(blank_optional) + ".")
    absent_optional = [c.name for c in COLUMNS if not c.required and c.name not in raw.columns
                       and c.name not in blank_optional]
    if absent_optional:
        notes.append("Optional columns not in this file (analyses that need them are skipped): "
                     + ", ".join(absent_optional) + ".")

    table = pd.DataFrame(index=raw.index)
    if "patient_id" in raw:
        ids = raw["patient_id"]
        _flag(problems, ids.eq(""), raw, "patient_id", "must not be blank")
        _flag(problems, ids.str.len().gt(MAX_ID_LENGTH), raw, "patient_id",
              f"must be at most {MAX_ID_LENGTH} characters long")
        repeated = pd.Series(False, index=ids.index) if pd.Index(ids).is_unique else \
            ids.ne("") & ids.duplicated(keep=False)
        _flag(problems, repeated, raw, "patient_id",
              "must be unique; this id is on more than one row")
        table["patient_id"] = ids
    if "seizure_type" in raw:
        types = raw["seizure_type"].str.lower()
        _flag(problems, types.eq(""), raw, "seizure_type", "must not be blank")
        _flag(problems, types.ne("") & ~types.isin(SEIZURE_TYPES), raw, "seizure_type",
              "must be one of: " + ", ".join(SEIZURE_TYPES))
        table["seizure_type"] = _categorical(types, SEIZURE_TYPES)
    unknown = ("leave the cell blank when the value is not known (a blank cell is allowed in "
               "this column)")
    number_rules = {
        "baseline_seizures_per_month": dict(
            minimum=0.0, above=True, blank_ok=False, at_most=MAX_SEIZURES_PER_MONTH,
            missing="every child needs a baseline seizure frequency (a number greater "
                    "than 0); this cell may not be blank either"),
        "month12_seizures_per_month": dict(
            minimum=0.0, at_most=MAX_SEIZURES_PER_MONTH,
            missing="leave the cell blank for a child without one-year follow-up (do not write "
                    "0: 0 means seizure free)"),
        "month3_seizures_per_month": dict(minimum=0.0, at_most=MAX_SEIZURES_PER_MONTH,
                                          missing=unknown),
        "age_years": dict(minimum=0.0, below=120.0, missing=unknown),
        "asm_count_baseline": dict(minimum=0.0, whole=True, at_most=MAX_ASM_COUNT,
                                   missing=unknown),
        "asm_count_month12": dict(minimum=0.0, whole=True, at_most=MAX_ASM_COUNT,
                                  missing=unknown),
    }
    for column, rules in number_rules.items():
        if column in raw:
            table[column] = _numbers(raw, column, problems, **rules)
    if "sex" in raw:
        sexes = raw["sex"].str.upper()
        _flag(problems, sexes.ne("") & ~sexes.isin(SEXES), raw, "sex", "must be F, M or blank")
        table["sex"] = _categorical(sexes, SEXES)
    if "etiology" in raw:
        etiology = raw["etiology"].str.lower()
        known = etiology.isin(ETIOLOGIES + (OTHER_ETIOLOGY,))
        other = etiology.ne("") & ~known
        grouped = int(other.sum())
        if grouped:  # how many, never the values: free text can name a patient
            notes.append(f"{_count(grouped, 'etiology value')} outside the contract's "
                         f"categories {'was' if grouped == 1 else 'were'} grouped as "
                         f"'{OTHER_ETIOLOGY}'.")
            warnings.append(_row_warning(
                other, raw, "etiology", f"not one of the contract's categories, so grouped as "
                                        f"'{OTHER_ETIOLOGY}' (its text is not kept)"))
        table["etiology"] = etiology.where(known, OTHER_ETIOLOGY).where(etiology.ne(""))

    if problems:
        raise CohortError(name, sorted(problems, key=_problem_order))
    if "age_years" in table:
        low, high = STUDY_AGE_RANGE
        unusual = table["age_years"].lt(low) | table["age_years"].gt(high)
        outside = int(unusual.sum())
        if outside:  # the count only: a report may show it; validate lists the rows
            notes.append(f"Warning: {outside} patient(s) are outside the study's age range "
                         f"({low:g} to {high:g} years); the analysis includes them "
                         "(the `validate` command shows their rows to whoever holds the file).")
            warnings.insert(0, _row_warning(
                unusual, raw, "age_years", f"outside the study's age range ({low:g} to "
                                           f"{high:g} years); this child is analysed all the "
                                           "same (is the value right, and in years?)"))
    return table[[c for c in COLUMN_NAMES if c in table]].reset_index(drop=True), notes, warnings


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'' if n == 1 else 's'}"


def _row_warning(mask: pd.Series, raw: pd.DataFrame, column: str, rule: str) -> RowWarning:
    """A warning of the rows in ``mask``: the first few with their values, and how many."""
    rows = mask.index[mask.to_numpy()]
    listed: list[Problem] = []
    _flag(listed, pd.Series(True, index=rows[:ROWS_LISTED_PER_RULE]), raw, column, rule)
    return RowWarning(column=column, rule=rule, count=len(rows), listed=tuple(listed))


def _numbers(raw, column, problems, *, minimum, missing, above=False, below=None, at_most=None,
             whole=False, blank_ok=True) -> pd.Series:
    text = raw[column]
    blank = text.eq("")
    values = _to_numbers(text, blank)
    if not blank_ok:
        _flag(problems, blank, raw, column, "must not be blank")
    not_number = ~blank & values.isna()
    marker = pd.Series(False, index=text.index)
    if not_number.any():  # only the cells that are not numbers are looked at again
        marker[not_number] = text[not_number].str.lower().isin(MISSING_MARKERS).to_numpy()
    _flag(problems, marker, raw, column, f"a word for 'no value', not a number: {missing}")
    _flag(problems, not_number & ~marker, raw, column, "must be a number (use a dot for decimals)")
    infinite = np.isinf(values)
    _flag(problems, infinite, raw, column, "must be a finite number")
    usable = values.notna() & ~infinite
    if above:
        _flag(problems, usable & values.le(minimum), raw, column,
              f"must be greater than {minimum:g}")
    else:
        _flag(problems, usable & values.lt(minimum), raw, column, f"must be {minimum:g} or more")
    if below is not None:
        _flag(problems, usable & values.ge(below), raw, column, f"must be below {below:g}")
    if at_most is not None:
        _flag(problems, usable & values.gt(at_most), raw, column,
              f"must be {at_most:,.0f} or fewer")
    if whole:
        _flag(problems, usable & values.ge(minimum) & values.ne(values.round()), raw, column,
              "must be a whole number")
    return values


# Numbers written plainly: digits with at most one decimal point, a sign, at most 16 characters
# (15 digits: read exactly alike by Arrow and by pandas, checked on hundreds of thousands of
# values). Anything else (1e3, inf, 1_000, long digit strings) is read by pandas, as before.
_PLAIN_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$"


def _to_numbers(text: pd.Series, blank: pd.Series) -> pd.Series:
    """``pd.to_numeric`` of the text cells as floats, NaN for blanks and for text that is not a
    number; plainly written numbers of a large column are read by Arrow, the rest by pandas."""
    if len(text) < _FAST_ROWS or getattr(text.dtype, "storage", None) != "pyarrow":
        return pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    import pyarrow as pa
    from pyarrow import compute

    cells = pa.chunked_array(pa.array(text.array))  # the reader's blocks, as they are
    blanks = blank.to_numpy()
    filled = compute.if_else(pa.array(blanks), "0", cells) if blanks.any() else cells
    if all(_short_plain_digits(chunk) for chunk in filled.chunks):
        try:  # digits, signs and points only, each value short: plain numbers, or an error
            values = compute.cast(filled, pa.float64()).to_numpy(zero_copy_only=False).copy()
            values[blanks] = np.nan
            return pd.Series(values, index=text.index)
        except pa.ArrowInvalid:  # "1.2.3", "+-": not numbers, pandas says which
            pass
    plain = compute.and_(compute.match_substring_regex(cells, _PLAIN_NUMBER),
                         compute.less_equal(compute.utf8_length(cells), 16))
    values = compute.cast(compute.if_else(plain, cells, "0"), pa.float64()).to_numpy(
        zero_copy_only=False).copy()
    plain = plain.to_numpy(zero_copy_only=False)
    values[~plain] = np.nan
    rest = ~plain & ~blanks
    if rest.any():
        values[rest] = pd.to_numeric(text[rest], errors="coerce").astype(float).to_numpy()
    return pd.Series(values, index=text.index)


def _short_plain_digits(chunk) -> bool:
    """True when every value of an Arrow text chunk has at most 16 characters, all of them
    digits, signs or decimal points (read from its buffers, without a copy per value)."""
    offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[
        chunk.offset:chunk.offset + len(chunk) + 1]
    characters = chunk.buffers()[2]
    if len(chunk) and characters is None:
        return False
    return bool(np.diff(offsets).max(initial=0) <= 16 and (not len(chunk) or not memoryview(
        characters)[offsets[0]:offsets[-1]].tobytes().translate(None, b"0123456789.+-")))


def _categorical(values: pd.Series, categories: tuple[str, ...]) -> pd.Categorical:
    """``pd.Categorical(values.where(values.isin(categories)), categories=categories)``, by
    Arrow's hash lookup for a large column."""
    if len(values) < _FAST_ROWS or getattr(values.dtype, "storage", None) != "pyarrow":
        return pd.Categorical(values.where(values.isin(categories)), categories=categories)
    import pyarrow as pa
    from pyarrow import compute

    codes = compute.index_in(pa.array(values.array), value_set=pa.array(categories))
    codes = codes.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int8)
    return pd.Categorical.from_codes(codes, categories=categories)


def _flag(problems: list[Problem], mask: pd.Series, raw: pd.DataFrame, column: str, rule: str):
    for row in mask.index[mask.to_numpy()]:  # only the offending rows, for their messages
        problems.append(Problem(column=column, row=int(row), value=raw.at[row, column], rule=rule))


def _problem_order(problem: Problem):
    return (problem.row or 0, COLUMN_NAMES.index(problem.column)
            if problem.column in COLUMN_NAMES else len(COLUMN_NAMES))


def warnings_text(cohort: Cohort) -> str:
    """The warnings of a checked file with the row and the value of each unusual cell, for the
    user's own terminal (``validate``); empty when there are none. Never for a report.

    Examples
    --------
    >>> warnings_text(load_cohort(BUNDLED_COHORT))
    ''
    """
    if not cohort.warnings:
        return ""
    lines = [f"Warnings: these rows are read and analysed, but check them ({ROW_NUMBERS}):"]
    for warning in cohort.warnings:
        lines += warning.lines()
    return "\n".join(lines)


def cohort_summary(cohort, min_cell_count: int = 0) -> str:
    """What a checked cohort holds, in a few lines: for ``validate`` and at the start of ``run``
    (there with the counts released as the report shows them, so that a terminal or CI log of a
    run with disclosure control on holds no exact small count)."""
    from .outcomes import count_missing_followup
    from .privacy import release_count

    table = cohort.table
    counts = table["seizure_type"].value_counts(sort=False)  # in the contract's order
    optional = [c.name for c in COLUMNS if not c.required and c.name in table]

    def shown(count) -> str:
        return str(release_count(int(count), min_cell_count) if min_cell_count > 0 else count)

    lines = ["This is the bundled SYNTHETIC cohort (no real patients)."] if cohort.is_bundled \
        else []
    lines += [f"  patients: {shown(len(table))}",
              "  seizure types: " + ", ".join(f"{k} {shown(v)}" for k, v in counts.items()),
              f"  without one-year follow-up: {shown(count_missing_followup(table))}",
              "  optional columns present: " + (", ".join(optional) or "none")]
    if min_cell_count > 0:
        lines.append(f"  (counts rounded and small ones hidden, as in the report: "
                     f"min_cell_count={min_cell_count})")
    lines += [f"  note: {note}" for note in cohort.notes]
    return "\n".join(lines)
