"""The data contract: the columns of a cohort file, what each may hold, how a file is checked.

Everything the project knows about the input format lives here. ``data/README.md`` documents the
same rules for people, the ``template`` command writes the header from :data:`COLUMNS`, and
:func:`load_cohort` enforces them, reporting every problem at once through :class:`CohortError`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SEIZURE_TYPES = ("focal", "generalized", "both")
"""Seizure types of the study; ``both`` is ILAE 2017 "combined generalized and focal"."""

SEXES = ("F", "M")
STUDY_AGE_RANGE = (2.0, 18.0)
ETIOLOGIES = ("genetic", "structural", "metabolic", "immune", "infectious", "unknown")

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUNDLED_COHORT = DATA_DIR / "synthetic_cohort.csv"

# How many rows of one (column, rule) pair a message lists before it only counts the rest.
ROWS_LISTED_PER_RULE = 20


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
               "any non-empty text; unique in the file", True),
    ColumnRule("seizure_type", "Seizure type (ILAE 2017); both = combined focal and generalized",
               "-", "category", "focal, generalized or both (case and spaces ignored)", True),
    ColumnRule("baseline_seizures_per_month", "Seizure frequency before the first IVIG infusion",
               "seizures per 28 days", "number", "greater than 0", True),
    ColumnRule("month12_seizures_per_month", "Seizure frequency one year after starting IVIG",
               "seizures per 28 days", "number",
               "0 or more; blank when there is no one-year follow-up", True),
    ColumnRule("month3_seizures_per_month", "Seizure frequency three months after starting IVIG",
               "seizures per 28 days", "number", "0 or more, or blank", False),
    ColumnRule("age_years", "Age at the first IVIG infusion", "years", "number",
               "at least 0 and below 120, or blank; outside 2-18 gives a warning", False),
    ColumnRule("sex", "Sex", "-", "category", "F, M or blank", False),
    ColumnRule("asm_count_baseline", "Antiseizure medications in use before IVIG", "count",
               "whole number", "0 or more, or blank", False),
    ColumnRule("asm_count_month12", "Antiseizure medications in use at one year", "count",
               "whole number", "0 or more, or blank", False),
    ColumnRule("etiology", "Cause of the epilepsy (ILAE categories)", "-", "text",
               "genetic, structural, metabolic, immune, infectious, unknown (other text is kept), "
               "or blank", False),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in COLUMNS if c.required)


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
            where.append(f"column '{self.column}'")
        text = ", ".join(where)
        if self.value is not None:
            shown = self.value if len(self.value) <= 40 else self.value[:37] + "..."
            text += f": value '{shown}'"
        return f"{text}: {self.rule}" if text else self.rule


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
        lines.append("The columns and their rules are listed in data/README.md "
                     "(`python -m ivig_helpers template` writes an empty file to start from).")
        return "\n".join(lines)


@dataclass
class Cohort:
    """A checked cohort: the clean table, what was noticed while reading it, and its origin.

    ``is_bundled`` is True only for a byte-for-byte copy of the bundled synthetic cohort: that is
    the one file whose rows the notebooks may show.
    """

    table: pd.DataFrame
    file_name: str
    is_bundled: bool
    notes: list[str] = field(default_factory=list)


def load_cohort(path: str | Path) -> Cohort:
    """Read a cohort CSV file and check it against the contract.

    Parameters
    ----------
    path : str or Path
        A UTF-8, comma-separated file with one row per patient (a byte-order mark is fine).

    Returns
    -------
    Cohort
        ``table`` has one row per patient and the contract's columns present in the file:
        ``patient_id`` (text), ``seizure_type`` (categorical: focal, generalized, both),
        frequencies and ages as floats (NaN when blank), ASM counts as floats, ``sex``
        categorical (F, M), ``etiology`` text. Columns outside the contract are dropped,
        with a note.

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
    name = path.name
    raw_bytes = _read_bytes(path, name)
    text = _decode(raw_bytes, name)
    raw = _parse_csv(text, name)
    table, notes = check_table(raw, name)
    return Cohort(table=table, file_name=name, notes=notes, is_bundled=is_bundled_bytes(raw_bytes))


def is_bundled_bytes(raw_bytes: bytes) -> bool:
    """True when these bytes are exactly the bundled synthetic cohort."""
    return BUNDLED_COHORT.is_file() and raw_bytes == BUNDLED_COHORT.read_bytes()


def _fail(name: str, rule: str, **where) -> CohortError:
    return CohortError(name, [Problem(rule=rule, **where)])


def _too_many_values(name: str, row: int, saw, expected) -> CohortError:
    return _fail(name, f"this row has {saw} values but the header has {expected} columns "
                       "(a stray comma?)", row=row)


def _read_bytes(path: Path, name: str) -> bytes:
    if not path.exists():
        raise _fail(name, f"the file was not found (looked for '{path}')")
    if path.is_dir():
        raise _fail(name, "this is a folder, not a CSV file")
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise _fail(name, f"the file could not be read ({exc.strerror})") from None
    if not raw_bytes.strip():
        raise _fail(name, "the file is empty; it needs a header row and one row per patient")
    if raw_bytes.startswith(b"PK\x03\x04") or raw_bytes.startswith(b"\xd0\xcf\x11\xe0"):
        raise _fail(name, "this looks like a spreadsheet workbook (Excel or similar), not a CSV "
                          "file; save it as 'CSV UTF-8 (comma delimited)'")
    if b"\x00" in raw_bytes[:65536]:
        raise _fail(name, "this is a binary file, not CSV text")
    return raw_bytes


def _decode(raw_bytes: bytes, name: str) -> str:
    try:
        return raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw_bytes[: exc.start].count(b"\n") + 1
        raise _fail(name, "the text is not UTF-8; save the file as 'CSV UTF-8'", row=line) from None


def _parse_csv(text: str, name: str) -> pd.DataFrame:
    """Return every cell as stripped text, indexed by the row number in the file."""
    lines = io.StringIO(text)  # read lazily: a registry-sized file is not split twice
    header_line = next(lines).rstrip("\r\n")
    header = next(csv.reader([header_line]))
    if len(header) == 1:
        for separator, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars")):
            if separator in header_line:
                raise _fail(name, f"the values are separated by {label}; the contract needs "
                                  "commas (save as 'CSV UTF-8 (comma delimited)')", row=1)
    columns = [c.strip().lower() for c in header]
    seen: set[str] = set()
    duplicated = [c for c in columns if c in seen or seen.add(c)]
    if duplicated:
        raise CohortError(name, [Problem(column=c, row=1, rule="this column name appears more "
                                         "than once in the header") for c in duplicated])
    first_data = next(((row, line) for row, line in enumerate(lines, start=2) if line.strip()),
                      None)
    if first_data is not None:
        # pandas would silently take an extra value on the first row as an index
        row, line = first_data
        width = len(next(csv.reader([line])))
        if width > len(columns):
            raise _too_many_values(name, row, width, len(columns))
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skip_blank_lines=False, header=0, names=columns, index_col=False)
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found:
            expected, line, saw = found.groups()
            raise _too_many_values(name, int(line), saw, expected) from None
        raise _fail(name, f"the file could not be read as CSV ({exc})") from None
    raw = raw.fillna("")
    raw.index = np.arange(2, len(raw) + 2)  # row numbers as in the file; the header is row 1
    raw = raw.apply(lambda column: column.str.strip())
    raw = raw[raw.ne("").any(axis=1)]  # blank lines are not patients
    if raw.empty:
        raise _fail(name, "the file has a header but no patient rows")
    return raw


def check_table(raw: pd.DataFrame, name: str = "cohort") -> tuple[pd.DataFrame, list[str]]:
    """Check a table of text cells against the contract and return the typed table and notes.

    ``raw`` holds the cells as text, its index being the row numbers to report.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    problems += [Problem(column=c, row=1, rule="this required column is missing from the header")
                 for c in missing]
    extra = [c for c in raw.columns if c not in COLUMN_NAMES]
    if extra:
        notes.append("Columns not in the data contract were ignored: " + ", ".join(extra) + ".")
    absent_optional = [c.name for c in COLUMNS if not c.required and c.name not in raw.columns]
    if absent_optional:
        notes.append("Optional columns not in this file (analyses that need them are skipped): "
                     + ", ".join(absent_optional) + ".")

    table = pd.DataFrame(index=raw.index)
    if "patient_id" in raw:
        ids = raw["patient_id"]
        _flag(problems, ids.eq(""), raw, "patient_id", "must not be blank")
        repeated = ids.ne("") & ids.duplicated(keep=False)
        _flag(problems, repeated, raw, "patient_id",
              "must be unique; this id is on more than one row")
        table["patient_id"] = ids
    if "seizure_type" in raw:
        types = raw["seizure_type"].str.lower()
        _flag(problems, types.eq(""), raw, "seizure_type", "must not be blank")
        _flag(problems, types.ne("") & ~types.isin(SEIZURE_TYPES), raw, "seizure_type",
              "must be one of: " + ", ".join(SEIZURE_TYPES))
        table["seizure_type"] = pd.Categorical(types.where(types.isin(SEIZURE_TYPES)),
                                               categories=SEIZURE_TYPES)
    number_rules = {
        "baseline_seizures_per_month": dict(minimum=0.0, above=True, blank_ok=False),
        "month12_seizures_per_month": dict(minimum=0.0),
        "month3_seizures_per_month": dict(minimum=0.0),
        "age_years": dict(minimum=0.0, below=120.0),
        "asm_count_baseline": dict(minimum=0.0, whole=True),
        "asm_count_month12": dict(minimum=0.0, whole=True),
    }
    for column, rules in number_rules.items():
        if column in raw:
            table[column] = _numbers(raw, column, problems, **rules)
    if "sex" in raw:
        sexes = raw["sex"].str.upper()
        _flag(problems, sexes.ne("") & ~sexes.isin(SEXES), raw, "sex", "must be F, M or blank")
        table["sex"] = pd.Categorical(sexes.where(sexes.isin(SEXES)), categories=SEXES)
    if "etiology" in raw:
        etiology = raw["etiology"].str.lower()
        table["etiology"] = etiology.where(etiology.ne(""))

    if problems:
        raise CohortError(name, sorted(problems, key=_problem_order))
    if "age_years" in table:
        low, high = STUDY_AGE_RANGE
        outside = int((table["age_years"].lt(low) | table["age_years"].gt(high)).sum())
        if outside:
            notes.append(f"Warning: {outside} patient(s) are outside the study's age range "
                         f"({low:g} to {high:g} years); the analysis includes them.")
    return table[[c for c in COLUMN_NAMES if c in table]].reset_index(drop=True), notes


def _numbers(raw, column, problems, *, minimum, above=False, below=None, whole=False,
             blank_ok=True) -> pd.Series:
    text = raw[column]
    blank = text.eq("")
    values = pd.to_numeric(text.where(~blank), errors="coerce").astype(float)
    if not blank_ok:
        _flag(problems, blank, raw, column, "must not be blank")
    not_number = ~blank & values.isna()
    _flag(problems, not_number, raw, column, "must be a number (use a dot for decimals)")
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
    if whole:
        _flag(problems, usable & values.ge(minimum) & values.ne(values.round()), raw, column,
              "must be a whole number")
    return values


def _flag(problems: list[Problem], mask: pd.Series, raw: pd.DataFrame, column: str, rule: str):
    for row in mask.index[mask.to_numpy()]:  # only the offending rows, for their messages
        problems.append(Problem(column=column, row=int(row), value=raw.at[row, column], rule=rule))


def _problem_order(problem: Problem):
    return (problem.row or 0, COLUMN_NAMES.index(problem.column)
            if problem.column in COLUMN_NAMES else len(COLUMN_NAMES))
