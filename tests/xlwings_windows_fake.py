"""A strict, in-memory fake of xlwings 0.37.8 as it runs on Windows (COM), for the «Tính điểm» add-in tests.

xlwings' remote engine, which ``tests/test_addin_remote.py`` drives, passes through arguments that the Windows
engine rejects (``app.alert(mode="warning")`` became «lỗi ngoài dự kiến (KeyError)» on real Excel). This fake
implements exactly the subset of the xlwings API that ``xl_tthc/addin.py`` uses and checks every call the way
xlwings' public layer (``xlwings/main.py``) plus its Windows engine (``xlwings/_xlwindows.py``) and Excel's COM
object model check it. Line numbers below are those of xlwings 0.37.8 in ``.venv/lib/python3.11/site-packages``.

Failures come in three kinds:

* what Windows rejects raises what Windows raises (``KeyError``, ``ValueError``, ``IndexError``, ``TypeError``, or
  :class:`ComError` standing in for ``pywintypes.com_error`` when Excel itself refuses);
* :class:`WindowsPitfall` (a ``BaseException``, so ``except Exception`` in the add-in cannot hide it): Windows
  accepts the call but silently does the wrong thing;
* :class:`NotModelled` (also a ``BaseException``): the add-in used something this fake does not model; extend the
  fake from the xlwings source rather than guessing.

Every rejection is also appended to ``log(book).rejections`` before it is raised, so a test can see a rejection
the add-in caught and swallowed (its status bar and note writes are wrapped in ``try``).

Rules (``main`` = xlwings/main.py, ``win`` = xlwings/_xlwindows.py, ``std`` = xlwings/conversion/standard.py,
``utils`` = xlwings/utils.py):

App
  A1. ``alert(prompt, title=None, buttons="ok", mode=None, callback=None)`` (main 829-863). Windows looks the
      button set up in ``{None, "ok", "ok_cancel", "yes_no", "yes_no_cancel"}`` and, if ``mode`` is truthy, the
      mode in ``{"info", "critical"}``: anything else is a ``KeyError`` (win 741-763). ``"critical"`` shows
      MB_ICONWARNING, ``"info"`` MB_ICONINFORMATION. ``callback`` is ignored on Windows.
  A2. The prompt and title go to ``win32api.MessageBox`` (None becomes ""): anything but ``str`` is a
      ``TypeError`` (pywin32 converts only text to Unicode). The box returns ``"ok"`` for the ``ok`` buttons; for
      the others the first button's value (``"ok"``/``"yes"``) unless :func:`answer` queued another.
  A3. ``status_bar`` (main 708-721, win 724-730) is ``Application.StatusBar``: a string shows it, ``False``
      gives the bar back to Excel (then it reads ``False``); numbers and ``True`` are shown as text by COM;
      any other type cannot become a COM VARIANT: ``TypeError``.

Book / Sheets
  B1. ``book.name`` is the file name with its extension (win 850); ``book.app`` is the App; ``Book.caller()``
      raises unless a mock caller was set (main 1126-1170, ``set_mock_caller`` 1173).
  B2. ``book.sheets`` is ``Worksheets`` (win 853-855): iteration in tab order, ``len``. ``sheets[i]`` (0-based,
      negative allowed) raises ``IndexError`` past the end, a slice raises ``ValueError`` (main 143-160).
      ``sheets["name"]`` is ``Worksheets("name")``: case-insensitive; unknown name is a :class:`ComError`
      (DISP_E_BADINDEX, "Invalid index.").
  B3. ``"name" in book.sheets`` is always False on Windows (main 162 delegates to the engine's ``Sheets``, which
      iterates engine objects, never strings): :class:`WindowsPitfall`.
  B4. ``sheets.add(name=None, before=None, after=None)`` (main 10235-10259): a name already present
      (case-insensitive) is a ``ValueError``. Then Windows adds the sheet with Excel's default name and only then
      sets the name through COM (win 966-991), bypassing main's name checks: an invalid name is a
      :class:`ComError` *and the added sheet stays behind* under its default name. The new sheet goes right after
      ``after`` (or before ``before``). A workbook with a protected structure refuses to add a sheet
      (:class:`ComError`).
  B6. ``book.fullname`` is ``Workbook.FullName`` (win 914-925): the path of the file the book was opened from (a
      book loaded with :func:`book_from_xlsx`), or only its name for a book never saved (``Book1``).
  B7. ``sheet.delete()`` (main 1714-1720, win 1094-1099) deletes the sheet with Excel's alerts off. Excel refuses to
      delete the last visible sheet and any sheet of a workbook whose structure is protected (:class:`ComError`).
  B8. ``app.books.open(fullname, …)`` (main 10124-10190, win 791-831): a missing file is a ``FileNotFoundError``; the
      path is made real; a book of that name already open is returned when it is the same file, else a
      ``ValueError`` (Excel cannot open two workbooks of one name). The opened book shares the App (and this log).
      ``book.close()`` (main 1270-1276, win 861-862) closes it without saving. ``app.engine`` is the Windows engine
      (win 476-483: name ``"excel"``, type ``"desktop"``).
  B9. ``sheet.copy(before=None, after=None, name=None)`` (main 1783-1838, win 1101-1106): both ``before`` and
      ``after`` is an ``AssertionError``; neither copies after the last sheet of the same book; a ``name`` already in
      the target book is a ``ValueError``. Excel copies cells, formats, merged cells and charts; the copy keeps the
      name when the target book has none like it, else Excel names it «name (2)». A chart whose series refer to the
      copied sheet follows the copy; a series referring to another sheet of the source book would become a link to
      that book (:class:`WindowsPitfall` here).
  B5. Sheet names (``sheet.name = …``, main 1547-1562 first: empty, ``\\ / ? * [ ]`` or > 31 characters is a
      ``ValueError``; then Excel: also ``:``, a leading or trailing apostrophe, the reserved name ``History`` and a
      duplicate name (case-insensitive) are a :class:`ComError`).

Sheet
  S1. ``sheet.range(cell1, cell2=None)`` (main 1619-1639, win 1030-1064): A1 addresses (``"E23"``, ``"A1:C3"``,
      ``$`` allowed) or 1-based ``(row, col)`` tuples; a 0 in a tuple is an ``IndexError``; outside the grid
      (1 048 576 rows × 16 384 columns) or an address Excel cannot parse is a :class:`ComError`. Defined names
      are not modelled. ``sheet["A1"]`` is ``sheet.range("A1")``.
  S2. ``sheet.used_range`` is ``Worksheet.UsedRange`` (win 1136): the box from the first to the last cell that
      holds a value, a formula or formatting (not necessarily from A1); ``A1`` on an empty sheet.
  S3. ``sheet.clear_contents()`` is ``Cells.ClearContents`` (win 1076): values and formulas go, colours and notes
      stay. On a sheet whose contents are protected, a locked cell with content makes it a :class:`ComError`.
  S4. ``sheet.api`` is the COM Worksheet: ``ProtectContents``, ``ProtectDrawingObjects``, ``ProtectScenarios``,
      ``ProtectionMode``, ``Protection.Allow…``, ``Protect(…)`` and ``Unprotect(Password)`` with Excel's own
      parameter names (Worksheet.Protect: Password, DrawingObjects, Contents, Scenarios, UserInterfaceOnly,
      AllowFormattingCells, AllowFormattingColumns, AllowFormattingRows, AllowInsertingColumns,
      AllowInsertingRows, AllowInsertingHyperlinks, AllowDeletingColumns, AllowDeletingRows, AllowSorting,
      AllowFiltering, AllowUsingPivotTables; defaults True, True, True for the first three flags, False for the
      rest). pywin32 builds a Python method from Excel's type information (see S6), so the keywords are Python
      parameters: a misspelt one, or one in another case, is a ``TypeError``, as are too many positional
      arguments; a flag that is not a bool/int is a :class:`ComError` (type mismatch).
      ``Unprotect`` with a wrong password is a :class:`ComError`; without one on a password-protected sheet Excel
      would prompt the user: a :class:`ComError` here. Any other member of the COM object: :class:`NotModelled`.
  S5. ``sheet.api.Cells`` (every cell of the sheet) and ``sheet.api.Range(Cell1)`` (one A1 address; ``Cell2`` and
      defined names are not modelled) are COM Range objects (:class:`ComRange`): ``Row``, ``Column`` and ``Find``.
  S6. ``ComRange.Find`` is Excel's Range.Find(What, After, LookIn, LookAt, SearchOrder, SearchDirection, MatchCase,
      MatchByte, SearchFormat). pywin32 builds a Python method from Excel's type information (win32com/client/
      build.py, ``MakeDispatchFuncMethod``; makepy writes the same ``def Find(self, What=…, After=…, LookIn=…,
      LookAt=…, SearchOrder=…, SearchDirection=1, MatchCase=…, MatchByte=…, SearchFormat=…)``), so the keywords
      are Python parameters: a misspelt one (any other case too) is a ``TypeError``, as are more than nine
      positional arguments. ``What`` missing is a :class:`ComError` (DISP_E_PARAMNOTOPTIONAL); only ``"*"`` (any
      cell holding something) is modelled. ``After`` is one cell of the range (else a :class:`ComError`); without
      it the search starts after the range's top-left cell. ``LookIn`` (xlFormulas -4123, xlValues -4163,
      xlComments -4144, xlCommentsThreaded -4184), ``LookAt`` (xlWhole 1, xlPart 2), ``SearchOrder`` (xlByRows 1,
      xlByColumns 2), ``SearchDirection`` (xlNext 1, xlPrevious 2): another number is a :class:`ComError`, a value
      that is no number a :class:`ComError` (type mismatch). Excel keeps LookIn, LookAt and SearchOrder of the last
      search (the officer's Ctrl+F too) and uses them when a call leaves one out: leaving one out is a
      :class:`WindowsPitfall`; the settings in force after a call are in ``log(book).find_settings``. Only
      ``LookIn=xlFormulas`` is modelled (a cell with a value or a formula, hidden rows and columns included;
      xlValues skips hidden cells and formulas giving ""), ``SearchFormat`` True is not. The search goes from the
      cell after ``After`` in row order (xlByRows) or column order (xlByColumns), forwards (xlNext) or backwards
      (xlPrevious), wrapping round the range; it returns the first cell found as a :class:`ComRange` of one cell,
      or None (COM's Nothing) when no cell holds anything.

Range
  R1. ``options(convert=None, **options)`` (main 2210-2246) keeps the options for ``value``. Only the default
      converter is modelled (:class:`NotModelled` otherwise). xlwings silently ignores option names it does not
      know (a typo such as ``ndims=2`` reads 1-D data): :class:`WindowsPitfall` here.
  R2. Reading ``value`` (main 2989-2997) runs the base converter: COM's ``Range.Value`` → 2-D (std 312-320) →
      cleaned (win 455-469, 501-512): empty cells and ``""`` become ``empty`` (None), numbers are ``float``
      (whatever was typed), dates ``datetime`` (``dates`` option), cell errors ``None`` (or their text with
      ``err_to_str``) → ``transpose`` → ``ndim`` (std 269-309, the real stage is used: ``ndim=2`` always gives a
      list of row lists; a bad ``ndim`` is a ``ValueError``).
  R3. Writing ``value`` (main 2999-3002, std 122-181, 312-329): a scalar fills the whole range; a list is a row;
      a list of lists is written from the range's top-left cell, resized to ``len(value)`` × ``len(value[0])``;
      an empty list writes nothing. Elements are prepared as on Windows (win 486-499): None and NaN become
      empty, dates become COM dates; anything COM cannot hold (dict, set, custom objects…) is a ``TypeError``
      ("can not be converted to a COM VARIANT"), an int beyond 64 bits an ``OverflowError``. A string starting
      with ``=`` becomes a formula (the fake keeps the previous cached value when the formula is unchanged and
      does not calculate otherwise). Rows of different lengths are refused before anything is written
      (``conversion/__init__.py`` 102-117, ``_check_not_jagged``: ``Exception``). Text Excel would read as a number
      or a date (``"8.32"``,
      ``"1/2"``) is stored as text here but listed in ``log(book).coercions``.
  R4. Writing into a locked cell of a sheet whose contents are protected (without ``UserInterfaceOnly``) is a
      :class:`ComError`; nothing is written.
  R5. ``formula`` (main 2576-2591, win 1533-1542) is COM's ``Range.Formula`` and ignores the options: a ``str``
      for one cell, otherwise a *tuple of tuples* of ``str``. Constants read as their text (numbers as Excel's
      formula bar shows them, 15 significant digits; empty cells ``""``).
  R6. ``color`` (main 2904-2931, win 1756-1777, utils 49-65): reads an ``(r, g, b)`` tuple or None. Sets a hex
      string ``"#rrggbb"``/``"rrggbb"`` (anything else fails in ``hex_to_rgb``: ``ValueError``), an ``int`` BGR
      colour, an ``(r, g, b)`` sequence (``rgb_to_int``: fewer than 3 items is an ``IndexError``) or None (no
      fill). A resulting colour outside 0…0xFFFFFF is a :class:`ComError`. On a protected sheet without
      ``AllowFormattingCells`` any colour change is a :class:`ComError`.
  R7. ``note`` (main 3787-3795, win 1878-1879) is None when the cell has none. ``add_note(text)`` (main
      3797-3811): non-``str`` text is a ``TypeError``; empty text, a multi-cell range or a cell that already has
      a note is a ``ValueError``; on a sheet whose drawing objects are protected, adding or editing a note is a
      :class:`ComError`. ``Note.text`` (main 5410-5432, win 2693-2707) reads and replaces the whole text.
  R8. ``row``/``column`` are the 1-based top-left cell, ``shape`` (rows, columns), ``sheet`` the Sheet.
  R10. ``number_format`` (main 2789-2811, win 1636-1646) is COM's ``Range.NumberFormat`` (format codes in Excel's
      invariant, English form: ``#,##0.00``); reading a range of mixed formats gives None. Setting it on a protected
      sheet without ``AllowFormattingCells`` is a :class:`ComError`; anything but text is a :class:`ComError`.
  R11. A text written through ``value`` that starts with an apostrophe is stored without it (Excel's prefix
      character: the rest stays text, never a formula or a number).
  R12. Every read of ``value`` or ``formula`` is listed in ``log(book).reads`` (sheet, address, cells). A read of
      more than :data:`HUGE_READ` cells is a :class:`WindowsPitfall`: COM builds a SAFEARRAY of that many VARIANTs
      (16 bytes each) and pywin32 a tuple per row; for a used range stretched by formatting to XFD1048576
      (17.179.869.184 cells) Excel stops responding for minutes and the memory runs out. The line is drawn where
      the add-in draws its own (64 MB of VARIANTs, seconds).
  R13. ``merge_cells`` of any range is answered from the merged areas (Excel keeps a list of them), not cell by
      cell, so asking it of a used range stretched to XFD1048576 is cheap, as in Excel.
  R9. Merged cells (loaded from the file): Excel keeps a merged cell's value in its top-left cell only; a value
      written into another cell of the area is not kept (no error): :class:`WindowsPitfall` for a non-empty value
      (writing empty there is harmless). ``Range.clear_contents`` on part of a merged area is a :class:`ComError`
      ("Cannot change part of a merged cell."). Reading gives the value in the top-left cell, None elsewhere.

Where a rule comes from: everything citing ``main``/``win``/``std``/``utils`` is read off the xlwings 0.37.8 source
(and the real ``Ensure2DStage``/``TransposeStage``/``AdjustDimensionsStage``/``_check_not_jagged``/``hex_to_rgb``/
``rgb_to_int`` are called). What Excel itself does behind COM (sheet-name rules, protection refusals and which
flags allow what, the password prompt, merged cells, number text in ``Range.Formula``, which text Excel re-parses)
follows Excel's documented behaviour and has not been observed on a Windows machine from here: the exception type
is ``com_error`` as pywin32 raises it, the messages are indicative. docs/excel-checklist.md lists what to confirm.

Anything else an add-in touches on these objects raises :class:`NotModelled`; the objects have ``__slots__``, so
setting a misspelt attribute (``rng.colour = …``, a silent no-op on real xlwings) is refused too.

Building a book: :func:`book_from_xlsx` (openpyxl: values, formulas with their cached values, solid fills, notes,
locked cells, sheet and structure protection) or :func:`book_from_grids` (rows of Python values, as typed);
:func:`format_only` gives a cell formatting and nothing else (it stretches UsedRange, S2).
Inspecting it: :func:`log` (alerts, status-bar history, rejections, coercions, attributes touched, reads, Find
settings), :func:`cell` and :func:`values`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlwings
from xlwings.conversion import _check_not_jagged
from xlwings.conversion.standard import AdjustDimensionsStage, Ensure2DStage, TransposeStage
from xlwings.utils import hex_to_rgb, int_to_rgb, rgb_to_int

XLWINGS_VERSION = "0.37.8"  # the version whose Windows engine this fake models
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
HUGE_READ = 4_000_000  # R12: a read of more cells is taken as Excel hanging
# Excel's enums for Range.Find (S6), as in xlwings.constants
XL_FORMULAS, XL_VALUES, XL_COMMENTS, XL_COMMENTS_THREADED = -4123, -4163, -4144, -4184
XL_WHOLE, XL_PART = 1, 2
XL_BY_ROWS, XL_BY_COLUMNS = 1, 2
XL_NEXT, XL_PREVIOUS = 1, 2

# HRESULTs of the COM errors modelled
DISP_E_BADINDEX = -2147352565
DISP_E_TYPEMISMATCH = -2147352571
DISP_E_EXCEPTION = -2147352567  # "Exception occurred.": Excel refused (its message in ``excel_message``)
DISP_E_PARAMNOTOPTIONAL = -2147352561

CELL_ERRORS = {  # win 444-452
    -2146826281: "#DIV/0!",
    -2146826246: "#N/A",
    -2146826259: "#NAME?",
    -2146826288: "#NULL!",
    -2146826252: "#NUM!",
    -2146826265: "#REF!",
    -2146826273: "#VALUE!",
}
ERROR_CODES = {text: code for code, text in CELL_ERRORS.items()}


class _Missing:
    """An argument left out of a COM call (pywin32 sends it as missing; Excel takes its default)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


class com_error(Exception):
    """Stands in for ``pywintypes.com_error``: Excel (or COM) refused the call."""

    def __init__(self, hresult: int, text: str, excel_message: str | None = None) -> None:
        super().__init__(hresult, text, excel_message)
        self.hresult, self.text, self.excel_message = hresult, text, excel_message


ComError = com_error


class WindowsPitfall(BaseException):
    """Windows accepts this call but does the wrong thing silently."""


class NotModelled(BaseException):
    """The code under test used part of xlwings this fake does not model."""


@dataclass
class Alert:
    prompt: str
    title: str
    buttons: str | None
    mode: str | None
    answer: str


@dataclass
class Log:
    """What happened to one book's Excel: shared by every fake object of that book."""

    alerts: list[Alert] = field(default_factory=list)
    status: list[str | bool] = field(default_factory=list)  # every value the status bar was set to
    rejections: list[str] = field(default_factory=list)  # every call refused, caught by the add-in or not
    coercions: list[tuple[str, str, str]] = field(default_factory=list)  # (sheet, cell, text) Excel would convert
    touched: set[tuple[str, str]] = field(default_factory=set)  # (class, attribute) the code used
    answers: list[str] = field(default_factory=list)  # queued button answers for alerts
    reads: list[tuple[str, str, int]] = field(default_factory=list)  # (sheet, address, cells) of every read (R12)
    # Excel's saved search settings (S6): LookIn, LookAt, SearchOrder as the Find dialog starts in a new Excel
    find_settings: dict[str, int] = field(
        default_factory=lambda: {"LookIn": XL_FORMULAS, "LookAt": XL_PART, "SearchOrder": XL_BY_ROWS}
    )


@dataclass
class Cell:
    value: Any = None  # as COM's Range.Value returns it: None, float, str, bool, datetime or an error code
    formula: str | None = None  # "=…" when the cell holds a formula
    color: int | None = None  # Interior.Color (BGR int), None = no fill
    note: str | None = None
    locked: bool = True  # Excel's default for every cell
    formatted: bool = False  # counts for UsedRange even when empty
    number_format: str = "General"  # Range.NumberFormat (R10)


def _reject(log_: Log, exc: BaseException) -> BaseException:
    log_.rejections.append(f"{exc.__class__.__name__}: {exc}")
    return exc


class _Strict:
    """Records every public attribute used and refuses attributes xlwings' Windows engine does not have here."""

    __slots__ = ("_log",)
    _log: Log

    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("_"):
            object.__getattribute__(self, "_log").touched.add((type(self).__name__, name))
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        raise NotModelled(f"{type(self).__name__}.{name} is not modelled by the Windows fake")

    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("_"):
            self._log.touched.add((type(self).__name__, name))
            if not isinstance(getattr(type(self), name, None), property):
                raise NotModelled(f"{type(self).__name__}.{name} cannot be set (not an xlwings attribute here)")
        object.__setattr__(self, name, value)


# ------------------------------------------------------------------------------------------------------------ App


class App(_Strict):
    __slots__ = ("_books", "_status")

    def __init__(self, log_: Log) -> None:
        self._log = log_
        self._status: str | bool = False
        self._books: list[Book] = []  # the books open in this Excel (B8)

    @property
    def books(self) -> Books:  # B8
        return Books(self)

    @property
    def engine(self) -> Engine:  # B8
        return Engine(self._log)

    def alert(
        self,
        prompt: str,
        title: str | None = None,
        buttons: str = "ok",
        mode: str | None = None,
        callback: str | None = None,
    ) -> str | None:
        buttons_dict = {None: "ok", "ok": "ok", "ok_cancel": "ok", "yes_no": "yes", "yes_no_cancel": "yes"}
        if buttons not in buttons_dict:
            raise _reject(self._log, KeyError(buttons))  # win 753: buttons_dict[buttons]
        if mode and mode not in ("info", "critical"):
            raise _reject(self._log, KeyError(mode))  # win 754-755: modes[mode]
        for arg in (prompt, title):
            if arg is not None and not isinstance(arg, str):
                raise _reject(
                    self._log, TypeError(f"Objects of type '{type(arg).__name__}' can not be converted to Unicode.")
                )
        answer = self._log.answers.pop(0) if self._log.answers else buttons_dict[buttons]
        self._log.alerts.append(Alert(prompt or "", title or "", buttons, mode, answer))
        return answer

    @property
    def status_bar(self) -> str | bool:
        return self._status

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        if not isinstance(value, str | bool | int | float):
            raise _reject(
                self._log, TypeError(f"Objects of type '{type(value).__name__}' can not be converted to a COM VARIANT")
            )
        self._log.status.append(value)
        if value is False:
            self._status = False
        elif isinstance(value, bool):
            self._status = "TRUE"
        else:
            self._status = value if isinstance(value, str) else _formula_text(float(value))


# ----------------------------------------------------------------------------------------------------------- Book


class Book(_Strict):
    __slots__ = ("_app", "_locked_structure", "_name", "_path", "_sheet_counter", "_sheets")
    _mock_caller: Book | None = None

    def __init__(self, name: str, log_: Log | None = None) -> None:
        self._log = log_ or Log()
        self._name = name
        self._app = App(self._log)
        self._app._books.append(self)
        self._sheets: list[_SheetData] = []
        self._locked_structure = False
        self._sheet_counter = 0
        self._path: Path | None = None  # the file the book was opened from (B6)

    @property
    def name(self) -> str:
        return self._name

    @property
    def app(self) -> App:
        return self._app

    @property
    def fullname(self) -> str:  # B6
        return str(self._path) if self._path is not None else self._name

    def close(self) -> None:  # B8
        if self in self._app._books:
            self._app._books.remove(self)

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @classmethod
    def caller(cls) -> Book:
        if cls._mock_caller is None:
            raise Exception(  # main 1166-1170
                "Book.caller() must not be called directly. Call through Excel "
                "or set a mock caller first with Book.set_mock_caller()."
            )
        return cls._mock_caller

    def set_mock_caller(self) -> None:
        Book._mock_caller = self


@dataclass
class _SheetData:
    name: str
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    protection: dict[str, Any] | None = None  # the COM Protect arguments in force, None when unprotected
    visibility: int = -1  # Worksheet.Visible: xlSheetVisible -1, xlSheetHidden 0, xlSheetVeryHidden 2
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (top, left, bottom, right) areas
    charts: list[ChartData] = field(default_factory=list)  # embedded charts (B9)

    def merge_area(self, row: int, col: int) -> tuple[int, int, int, int] | None:
        return next((m for m in self.merged if m[0] <= row <= m[2] and m[1] <= col <= m[3]), None)

    def cell(self, row: int, col: int) -> Cell:
        c = self.cells.get((row, col))
        if c is None:
            c = self.cells[(row, col)] = Cell()
        return c

    def peek(self, row: int, col: int) -> Cell:
        return self.cells.get((row, col)) or Cell()


class Sheets(_Strict):
    __slots__ = ("_book",)

    def __init__(self, book: Book) -> None:
        self._log = book._log
        self._book = book

    def __len__(self) -> int:
        self._log.touched.add(("Sheets", "__len__"))
        return len(self._book._sheets)

    @property
    def count(self) -> int:
        return len(self._book._sheets)

    def __iter__(self) -> Iterator[Sheet]:
        self._log.touched.add(("Sheets", "__iter__"))
        for data in list(self._book._sheets):
            yield Sheet(self._book, data)

    def __call__(self, name_or_index: int | str | Sheet) -> Sheet:
        self._log.touched.add(("Sheets", "__call__"))
        if isinstance(name_or_index, Sheet):
            return name_or_index
        if isinstance(name_or_index, int):  # COM collections are 1-based
            if not 1 <= name_or_index <= len(self._book._sheets):
                raise _reject(self._log, ComError(DISP_E_BADINDEX, "Invalid index."))
            return Sheet(self._book, self._book._sheets[name_or_index - 1])
        if isinstance(name_or_index, str):
            for data in self._book._sheets:
                if data.name.lower() == name_or_index.lower():
                    return Sheet(self._book, data)
            raise _reject(self._log, ComError(DISP_E_BADINDEX, "Invalid index."))
        raise _reject(self._log, ComError(DISP_E_TYPEMISMATCH, "Type mismatch."))

    def __getitem__(self, key: int | str) -> Sheet:  # main 143-160
        self._log.touched.add(("Sheets", "__getitem__"))
        if isinstance(key, bool):
            key = int(key)
        if isinstance(key, int):
            length = len(self._book._sheets)
            if key >= length or key < -length:
                raise _reject(self._log, IndexError(f"Index {key} out of range ({length} elements)"))
            return self(key % length + 1)
        if isinstance(key, slice):
            raise _reject(self._log, ValueError("Sheets object does not support slicing"))
        return self(key)

    def __contains__(self, key: str) -> bool:
        raise _reject(
            self._log,
            WindowsPitfall("`name in book.sheets` is always False on Windows: compare [s.name for s in book.sheets]"),
        )

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        book = self._book
        if name is not None and name.lower() in (d.name.lower() for d in book._sheets):
            raise _reject(self._log, ValueError(f"Sheet named '{name}' already present in workbook"))
        if before is not None and not isinstance(before, Sheet):
            before = self(before)
        if after is not None and not isinstance(after, Sheet):
            after = self(after)
        if book._locked_structure:
            raise _reject(
                self._log,
                ComError(DISP_E_EXCEPTION, "Exception occurred.", "Workbook is protected and cannot be changed."),
            )
        while True:  # Excel's default name for a new sheet
            book._sheet_counter += 1
            default = f"Sheet{book._sheet_counter}"
            if default.lower() not in (d.name.lower() for d in book._sheets):
                break
        data = _SheetData(default)
        if before:
            book._sheets.insert(book._sheets.index(before._data), data)
        elif after:
            book._sheets.insert(book._sheets.index(after._data) + 1, data)
        else:  # win 986-990: Worksheets.Add() puts it before the active sheet; the fake's active sheet is the first
            book._sheets.insert(0, data)
        sheet = Sheet(book, data)
        if name is not None:
            sheet._set_name_com(name)  # win 970, 985, 990: the engine's setter, main's checks bypassed
        return sheet


@dataclass
class ChartData:
    kind: str  # the openpyxl chart class: BarChart (bars and columns), PieChart, …
    refs: list[str]  # every range its series read (values and categories), as the file writes them


class Engine(_Strict):  # B8
    __slots__ = ()

    def __init__(self, log_: Log) -> None:
        self._log = log_

    @property
    def name(self) -> str:
        return "excel"

    @property
    def type(self) -> str:
        return "desktop"


class Books(_Strict):  # B8
    __slots__ = ("_app",)

    def __init__(self, app: App) -> None:
        self._log = app._log
        self._app = app

    def open(
        self,
        fullname: str | None = None,
        update_links: bool | None = None,
        read_only: bool | None = None,
        format: str | None = None,
        password: str | None = None,
        write_res_password: str | None = None,
        ignore_read_only_recommended: bool | None = None,
        origin: int | None = None,
        delimiter: str | None = None,
        editable: bool | None = None,
        notify: bool | None = None,
        converter: int | None = None,
        add_to_mru: bool | None = None,
        local: bool | None = None,
        corrupt_load: int | None = None,
        json: dict[str, Any] | None = None,
    ) -> Book:
        import os

        path = os.fspath(fullname) if fullname is not None else ""
        if not os.path.exists(path):
            raise _reject(self._log, FileNotFoundError(f"No such file: '{path}'"))
        real = Path(os.path.realpath(path))
        for b in self._app._books:
            if b.name.lower() == real.name.lower():
                if b._path is not None and b._path.exists() and os.path.samefile(b._path, real):
                    return b
                raise _reject(
                    self._log,
                    ValueError(
                        f"Cannot open two workbooks named '{real.name}', even if they are saved indifferent locations."
                    ),
                )
        book = book_from_xlsx(real)
        book._log = self._log
        book._app = self._app
        self._app._books.append(book)
        return book


# ---------------------------------------------------------------------------------------------------------- Sheet

_FORBIDDEN_MAIN = ("\\", "/", "?", "*", "[", "]")
_FORBIDDEN_EXCEL = (*_FORBIDDEN_MAIN, ":")


class Sheet(_Strict):
    __slots__ = ("_book", "_data")

    def __init__(self, book: Book, data: _SheetData) -> None:
        self._log = book._log
        self._book = book
        self._data = data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sheet) and other._data is self._data

    def __hash__(self) -> int:
        return id(self._data)

    @property
    def name(self) -> str:
        return self._data.name

    @name.setter
    def name(self, value: str) -> None:  # main 1547-1562, then Excel
        if value in (None, ""):
            raise _reject(self._log, ValueError("A sheet name can't be empty."))
        if any(ch in value for ch in _FORBIDDEN_MAIN):
            raise _reject(
                self._log,
                ValueError("A sheet name must not contain any of the following characters: \\, /, ?, *, [, ]"),
            )
        if len(value) > 31:
            raise _reject(
                self._log, ValueError(f"The max. length of a sheet name is 31 characters. Yours is {len(value)}.")
            )
        self._set_name_com(value)

    def _set_name_com(self, value: str) -> None:
        """Worksheet.Name = value, as Excel checks it."""
        bad = (
            not isinstance(value, str)
            or not value
            or len(value) > 31
            or any(ch in value for ch in _FORBIDDEN_EXCEL)
            or value.startswith("'")
            or value.endswith("'")
            or value.lower() == "history"
            or any(d is not self._data and d.name.lower() == value.lower() for d in self._book._sheets)
        )
        if bad:
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION,
                    "Exception occurred.",
                    f"You typed an invalid name for a sheet or chart: {value!r}",
                ),
            )
        self._data.name = value

    @property
    def visible(self) -> int:
        """_xlwindows.Sheet.visible returns Worksheet.Visible as COM gives it: an XlSheetVisibility (-1, 0, 2), not a
        bool; a very hidden sheet (2) is truthy."""
        return self._data.visibility

    @visible.setter
    def visible(self, value: bool) -> None:  # _xlwindows 1143: Worksheet.Visible = value
        self._data.visibility = -1 if value is True or value == -1 else (2 if value == 2 else 0)

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book._sheets.index(self._data) + 1

    def copy(self, before: Sheet | None = None, after: Sheet | None = None, name: str | None = None) -> Sheet:  # B9
        assert (before is None) or (after is None), "you must provide either before or after but not both"
        if before is None and after is None:
            after = self._book.sheets[-1]
        anchor = before if before is not None else after
        assert anchor is not None
        target = anchor._book
        if name and name.lower() in (d.name.lower() for d in target._sheets):
            raise _reject(self._log, ValueError(f"Sheet named '{name}' already present in workbook"))
        if target._locked_structure:
            raise _reject(
                self._log,
                ComError(DISP_E_EXCEPTION, "Exception occurred.", "Workbook is protected and cannot be changed."),
            )
        src = self._data
        new_name, i = src.name, 2
        while new_name.lower() in (d.name.lower() for d in target._sheets):
            suffix = f" ({i})"
            new_name = src.name[: 31 - len(suffix)] + suffix
            i += 1
        charts = []
        for ch in src.charts:
            refs = []
            for ref in ch.refs:
                sheet_name = ref.rsplit("!", 1)[0].strip("'").replace("''", "'")
                if sheet_name != src.name and target is not self._book:
                    raise _reject(
                        self._log,
                        WindowsPitfall(f"chart series {ref} refers to another sheet: the copy links to the source book"),
                    )
                refs.append(ref if sheet_name != src.name else f"'{new_name}'!{ref.rsplit('!', 1)[1]}")
            charts.append(ChartData(ch.kind, refs))
        data = _SheetData(
            new_name,
            {k: dataclasses.replace(v) for k, v in src.cells.items()},
            None if src.protection is None else dict(src.protection),
            src.visibility,
            list(src.merged),
            charts,
        )
        pos = target._sheets.index(anchor._data) + (0 if before is not None else 1)
        target._sheets.insert(pos, data)
        copied = Sheet(target, data)
        if name:
            copied.name = name
        return copied

    def delete(self) -> None:  # B7
        book = self._book
        if book._locked_structure:
            raise _reject(
                self._log,
                ComError(DISP_E_EXCEPTION, "Exception occurred.", "Workbook is protected and cannot be changed."),
            )
        visible = [d for d in book._sheets if d.visibility == -1]
        if visible == [self._data]:
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION, "Exception occurred.", "A workbook must contain at least one visible worksheet."
                ),
            )
        book._sheets.remove(self._data)

    @property
    def api(self) -> Worksheet:
        return Worksheet(self)

    def range(self, cell1: str | tuple[int, int] | Range, cell2: str | tuple[int, int] | Range | None = None) -> Range:
        r1 = self._corners(cell1)
        if cell2 is None:
            return Range(self, *r1)
        r2 = self._corners(cell2)
        top, left = min(r1[0], r2[0]), min(r1[1], r2[1])
        bottom = max(r1[0] + r1[2] - 1, r2[0] + r2[2] - 1)
        right = max(r1[1] + r1[3] - 1, r2[1] + r2[3] - 1)
        return Range(self, top, left, bottom - top + 1, right - left + 1)

    def __getitem__(self, item: str) -> Range:
        self._log.touched.add(("Sheet", "__getitem__"))
        if not isinstance(item, str):
            raise NotModelled("sheet[row, col] indexing is not modelled")
        return self.range(item)

    def _corners(self, ref: str | tuple[int, int] | Range) -> tuple[int, int, int, int]:
        if isinstance(ref, Range):
            if ref._sheet != self:
                raise _reject(self._log, ValueError("First range is not on this sheet"))
            return ref._row, ref._col, ref._nrows, ref._ncols
        if isinstance(ref, tuple):
            if len(ref) != 2:
                raise NotModelled("4-tuples (row, col, nrows, ncols) are not modelled")
            if 0 in ref:
                raise _reject(
                    self._log, IndexError("Attempted to access 0-based Range. xlwings/Excel Ranges are 1-based.")
                )
            row, col = ref
            if not (isinstance(row, int) and isinstance(col, int) and 1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
                raise _reject(self._log, ComError(DISP_E_EXCEPTION, "Exception occurred.", f"Cells({row}, {col})"))
            return row, col, 1, 1
        if isinstance(ref, str):
            parsed = _parse_address(ref)
            if parsed is None:
                raise _reject(
                    self._log,
                    ComError(
                        DISP_E_EXCEPTION,
                        "Exception occurred.",
                        f"Method 'Range' of object '_Worksheet' failed: {ref!r}",
                    ),
                )
            return parsed
        raise _reject(self._log, ComError(DISP_E_TYPEMISMATCH, "Type mismatch."))

    @property
    def used_range(self) -> Range:
        used = [
            rc
            for rc, c in self._data.cells.items()
            if c.value is not None or c.formula or c.color is not None or c.formatted
        ]
        if not used:
            return Range(self, 1, 1, 1, 1)
        rows, cols = [r for r, _ in used], [c for _, c in used]
        return Range(self, min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1)

    def clear_contents(self) -> None:
        prot = self._data.protection
        if (
            prot
            and prot["Contents"]
            and not prot["UserInterfaceOnly"]
            and any(c.locked and (c.value is not None or c.formula) for c in self._data.cells.values())
        ):
            raise _reject(self._log, _protected_error())
        for c in self._data.cells.values():
            c.value, c.formula = None, None


def _protected_error() -> ComError:
    return ComError(
        DISP_E_EXCEPTION,
        "Exception occurred.",
        "The cell or chart you're trying to change is on a protected sheet.",
    )


# ------------------------------------------------------------------------------------------ Worksheet (COM, .api)

PROTECT_PARAMS = (  # Worksheet.Protect, in Excel's order, with its defaults for a worksheet
    ("Password", None),
    ("DrawingObjects", True),
    ("Contents", True),
    ("Scenarios", True),
    ("UserInterfaceOnly", False),
    ("AllowFormattingCells", False),
    ("AllowFormattingColumns", False),
    ("AllowFormattingRows", False),
    ("AllowInsertingColumns", False),
    ("AllowInsertingRows", False),
    ("AllowInsertingHyperlinks", False),
    ("AllowDeletingColumns", False),
    ("AllowDeletingRows", False),
    ("AllowSorting", False),
    ("AllowFiltering", False),
    ("AllowUsingPivotTables", False),
)
_HASHED = object()  # a password read from a file: only its hash is known, no password given here matches it


def _com_args(
    log_: Log, method: str, params: Sequence[tuple[str, Any]], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any]:
    """Bind positional and named arguments as the Python method pywin32 builds from Excel's type information does
    (win32com/client/build.py ``MakeDispatchFuncMethod``: Excel's parameter names, exact case)."""
    if len(args) > len(params):
        given = f"{len(args) + 1} were given"
        raise _reject(log_, TypeError(f"{method}() takes from 1 to {len(params) + 1} positional arguments but {given}"))
    bound = {name: default for name, default in params}
    for (name, _default), value in zip(params, args, strict=False):
        bound[name] = value
    for key, value in kwargs.items():
        if key not in bound:
            raise _reject(log_, TypeError(f"{method}() got an unexpected keyword argument '{key}'"))
        bound[key] = value
    return bound


class Worksheet(_Strict):
    """The COM Worksheet object behind ``sheet.api``: its protection members (S4), ``Cells`` and ``Range`` (S5)."""

    __slots__ = ("_sheet",)

    def __init__(self, sheet: Sheet) -> None:
        self._log = sheet._log
        self._sheet = sheet

    def _prot(self, key: str) -> Any:
        prot = self._sheet._data.protection
        return bool(prot and prot[key])

    @property
    def Name(self) -> str:
        return self._sheet.name

    @property
    def ProtectContents(self) -> bool:
        return bool(self._prot("Contents"))

    @property
    def ProtectDrawingObjects(self) -> bool:
        return bool(self._prot("DrawingObjects"))

    @property
    def ProtectScenarios(self) -> bool:
        return bool(self._prot("Scenarios"))

    @property
    def ProtectionMode(self) -> bool:
        return bool(self._prot("UserInterfaceOnly"))

    @property
    def Protection(self) -> Protection:
        return Protection(self._sheet)

    @property
    def Cells(self) -> ComRange:  # S5
        return ComRange(self._sheet, 1, 1, MAX_ROWS, MAX_COLS)

    def Range(self, Cell1: Any = _MISSING, Cell2: Any = _MISSING) -> ComRange:  # S5
        if Cell2 is not _MISSING or not isinstance(Cell1, str):
            raise NotModelled("Worksheet.Range is modelled for one A1 address only")
        parsed = _parse_address(Cell1)
        if parsed is None:
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION, "Exception occurred.", f"Method 'Range' of object '_Worksheet' failed: {Cell1!r}"
                ),
            )
        return ComRange(self._sheet, *parsed)

    def Protect(self, *args: Any, **kwargs: Any) -> None:
        bound = _com_args(self._log, "Protect", PROTECT_PARAMS, args, kwargs)
        for name, value in bound.items():
            if name == "Password":
                if value is not None and not isinstance(value, str | int | float):
                    raise _reject(self._log, ComError(DISP_E_TYPEMISMATCH, "Type mismatch. (Password)"))
            elif not isinstance(value, bool | int):
                raise _reject(self._log, ComError(DISP_E_TYPEMISMATCH, f"Type mismatch. ({name})"))
        current = self._sheet._data.protection
        if current is not None and current["Password"] not in (None, "") and current["Password"] != bound["Password"]:
            raise _reject(
                self._log,
                ComError(DISP_E_EXCEPTION, "Exception occurred.", "The password you supplied is not correct."),
            )
        self._sheet._data.protection = {k: (v if k == "Password" else bool(v)) for k, v in bound.items()}

    def Unprotect(self, *args: Any, **kwargs: Any) -> None:
        bound = _com_args(self._log, "Unprotect", (("Password", None),), args, kwargs)
        current = self._sheet._data.protection
        if current is None:
            return
        if current["Password"] not in (None, "") and current["Password"] != bound["Password"]:
            message = (
                "Excel would ask the user for the password"
                if bound["Password"] is None
                else "The password you supplied is not correct."
            )
            raise _reject(self._log, ComError(DISP_E_EXCEPTION, "Exception occurred.", message))
        self._sheet._data.protection = None


_FIND_ENUMS = {
    "LookIn": (XL_FORMULAS, XL_VALUES, XL_COMMENTS, XL_COMMENTS_THREADED),
    "LookAt": (XL_WHOLE, XL_PART),
    "SearchOrder": (XL_BY_ROWS, XL_BY_COLUMNS),
    "SearchDirection": (XL_NEXT, XL_PREVIOUS),
}


def _find_failed(log_: Log, why: str) -> BaseException:
    return _reject(
        log_,
        ComError(
            DISP_E_EXCEPTION, "Exception occurred.", f"Unable to get the Find property of the Range class ({why})"
        ),
    )


class ComRange(_Strict):
    """A COM Range object behind ``sheet.api`` (S5): ``Row``, ``Column`` and ``Find`` (S6)."""

    __slots__ = ("_col", "_ncols", "_nrows", "_row", "_sheet")

    def __init__(self, sheet: Sheet, row: int, col: int, nrows: int, ncols: int) -> None:
        self._log = sheet._log
        self._sheet = sheet
        self._row, self._col, self._nrows, self._ncols = row, col, nrows, ncols

    def __repr__(self) -> str:
        return f"<ComRange [{self._sheet.name}]{_a1(self._row, self._col)} {self._nrows}×{self._ncols}>"

    @property
    def Row(self) -> int:
        return self._row

    @property
    def Column(self) -> int:
        return self._col

    def Find(  # Excel's parameter names, which pywin32 makes the Python ones
        self,
        What: Any = _MISSING,
        After: Any = _MISSING,
        LookIn: Any = _MISSING,
        LookAt: Any = _MISSING,
        SearchOrder: Any = _MISSING,
        SearchDirection: Any = XL_NEXT,
        MatchCase: Any = _MISSING,
        MatchByte: Any = _MISSING,
        SearchFormat: Any = _MISSING,
    ) -> ComRange | None:
        log_ = self._log
        if What is _MISSING:
            raise _reject(log_, ComError(DISP_E_PARAMNOTOPTIONAL, "Parameter not optional. (What)"))
        given = {"LookIn": LookIn, "LookAt": LookAt, "SearchOrder": SearchOrder, "SearchDirection": SearchDirection}
        for name, value in given.items():
            if value is _MISSING:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise _reject(log_, ComError(DISP_E_TYPEMISMATCH, f"Type mismatch. ({name})"))
            if value not in _FIND_ENUMS[name]:
                raise _find_failed(log_, f"{name}={value!r}")
        for name, value in (("MatchCase", MatchCase), ("MatchByte", MatchByte), ("SearchFormat", SearchFormat)):
            if value is not _MISSING and not isinstance(value, bool | int):
                raise _reject(log_, ComError(DISP_E_TYPEMISMATCH, f"Type mismatch. ({name})"))
        bottom, right = self._row + self._nrows - 1, self._col + self._ncols - 1
        if After is _MISSING:
            start = (self._row, self._col)
        elif (
            not isinstance(After, ComRange)
            or After._sheet != self._sheet
            or (After._nrows, After._ncols) != (1, 1)
            or not (self._row <= After._row <= bottom and self._col <= After._col <= right)
        ):
            raise _find_failed(log_, "After must be one cell of the range")
        else:
            start = (After._row, After._col)
        left_out = [name for name in ("LookIn", "LookAt", "SearchOrder") if given[name] is _MISSING]
        if left_out:
            raise _reject(
                log_,
                WindowsPitfall(f"Find without {', '.join(left_out)}: Excel takes the settings of the last search"),
            )
        log_.find_settings.update({name: int(given[name]) for name in ("LookIn", "LookAt", "SearchOrder")})
        if What != "*":
            raise NotModelled("Range.Find is modelled for What='*' only")
        if LookIn != XL_FORMULAS:
            raise NotModelled("Range.Find is modelled for LookIn=xlFormulas only")
        if SearchFormat not in (_MISSING, False, 0):
            raise NotModelled("Range.Find with SearchFormat is not modelled")
        held = [
            (r, c)
            for (r, c), x in self._sheet._data.cells.items()
            if (x.formula or x.value is not None) and self._row <= r <= bottom and self._col <= c <= right
        ]
        if not held:
            return None

        def order(rc: tuple[int, int]) -> tuple[int, int]:
            return rc if SearchOrder == XL_BY_ROWS else (rc[1], rc[0])

        key = order(start)
        if SearchDirection == XL_NEXT:
            hit = min([rc for rc in held if order(rc) > key] or held, key=order)
        else:
            hit = max([rc for rc in held if order(rc) < key] or held, key=order)
        return ComRange(self._sheet, hit[0], hit[1], 1, 1)


class Protection(_Strict):
    """``Worksheet.Protection``: what a protected sheet still allows."""

    __slots__ = ("_sheet",)

    def __init__(self, sheet: Sheet) -> None:
        self._log = sheet._log
        self._sheet = sheet

    def __getattr__(self, name: str) -> Any:
        if name in dict(PROTECT_PARAMS) and name.startswith("Allow"):
            prot = self._sheet._data.protection
            return bool(prot[name]) if prot else True
        raise NotModelled(f"Protection.{name} is not modelled by the Windows fake")


# ---------------------------------------------------------------------------------------------------------- Range

_KNOWN_OPTIONS = {"convert", "ndim", "numbers", "dates", "empty", "transpose", "expand", "chunksize", "err_to_str"}


class _Ctx:
    def __init__(self, value: Any) -> None:
        self.value = value
        self.meta: dict[str, Any] = {}


class Range(_Strict):
    __slots__ = ("_col", "_ncols", "_nrows", "_options", "_row", "_sheet")

    def __init__(
        self, sheet: Sheet, row: int, col: int, nrows: int, ncols: int, options: dict[str, Any] | None = None
    ) -> None:
        self._log = sheet._log
        self._sheet = sheet
        self._row, self._col, self._nrows, self._ncols = row, col, nrows, ncols
        self._options = dict(options or {})
        if row + nrows - 1 > MAX_ROWS or col + ncols - 1 > MAX_COLS:
            raise _reject(self._log, ComError(DISP_E_EXCEPTION, "Exception occurred.", "Range beyond the sheet"))

    def __repr__(self) -> str:
        return f"<Range [{self._sheet.name}]{self._address()}>"

    def _address(self) -> str:
        first = _a1(self._row, self._col)
        if (self._nrows, self._ncols) == (1, 1):
            return first
        return f"{first}:{_a1(self._row + self._nrows - 1, self._col + self._ncols - 1)}"

    def _cells(self) -> Iterator[tuple[int, int]]:
        for r in range(self._row, self._row + self._nrows):
            for c in range(self._col, self._col + self._ncols):
                yield r, c

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._row

    @property
    def column(self) -> int:
        return self._col

    @property
    def shape(self) -> tuple[int, int]:
        return self._nrows, self._ncols

    @property
    def merge_cells(self) -> bool | None:
        """_xlwindows 1834: Range.MergeCells as COM gives it: True when every cell of the range is in a merged area,
        False when none is, None (COM's Null) when some are."""
        bottom, right = self._row + self._nrows - 1, self._col + self._ncols - 1
        covered = 0  # R13: from the areas (they never overlap), not cell by cell
        for top_, left_, bottom_, right_ in self._sheet._data.merged:
            rows = min(bottom, bottom_) - max(self._row, top_) + 1
            cols = min(right, right_) - max(self._col, left_) + 1
            if rows > 0 and cols > 0:
                covered += rows * cols
        return True if covered == self._nrows * self._ncols else False if covered == 0 else None

    @property
    def merge_area(self) -> Range:
        """_xlwindows 1830: the merged area holding the range's top-left cell, or that cell itself."""
        area = self._sheet._data.merge_area(self._row, self._col)
        if area is None:
            return Range(self._sheet, self._row, self._col, 1, 1)
        top, left, bottom, right = area
        return Range(self._sheet, top, left, bottom - top + 1, right - left + 1)

    @property
    def address(self) -> str:
        return _abs(self._address())

    def options(self, convert: Any = None, **options: Any) -> Range:
        if convert is not None:
            raise NotModelled(f"converter {convert!r} is not modelled; only the default converter is")
        unknown = set(options) - _KNOWN_OPTIONS
        if unknown:
            raise _reject(self._log, WindowsPitfall(f"xlwings silently ignores unknown option(s) {sorted(unknown)}"))
        if options.get("expand"):
            raise NotModelled("expand is not modelled")
        options["convert"] = convert
        return Range(self._sheet, self._row, self._col, self._nrows, self._ncols, options)

    # -- value
    def _read(self) -> None:  # R12
        cells = self._nrows * self._ncols
        self._log.reads.append((self._sheet.name, self._address(), cells))
        if cells > HUGE_READ:
            raise _reject(
                self._log,
                WindowsPitfall(
                    f"reading {self._address()} ({cells:,} cells) through COM: Excel stops responding for minutes"
                ),
            )

    @property
    def value(self) -> Any:
        self._read()
        data = self._sheet._data
        raw = [
            [data.peek(r, c).value for c in range(self._col, self._col + self._ncols)]
            for r in range(self._row, self._row + self._nrows)
        ]
        ctx = _Ctx(raw[0][0] if (self._nrows, self._ncols) == (1, 1) else raw)  # COM: a scalar for one cell
        Ensure2DStage()(ctx)
        ctx.value = _clean(ctx.value, self._options)
        if self._options.get("transpose"):
            TransposeStage()(ctx)
        try:
            AdjustDimensionsStage(self._options)(ctx)
        except Exception as exc:  # the real stage's ValueError / Exception
            raise _reject(self._log, exc) from None
        return ctx.value

    @value.setter
    def value(self, data: Any) -> None:
        self._write(data, formula=False)

    def _write(self, data: Any, *, formula: bool) -> None:
        try:
            _check_not_jagged(data)  # conversion/__init__.py 121, the real check
        except Exception as exc:
            raise _reject(self._log, exc) from None
        ctx = _Ctx(data)
        Ensure2DStage()(ctx)  # std 312-320
        if self._options.get("transpose"):
            TransposeStage()(ctx)
        if not ctx.value:  # std 169: nothing to write
            return
        scalar = ctx.meta.get("scalar", False)
        rows = ctx.value
        if not scalar:
            width = len(rows[0])
            if width == 0:
                raise _reject(self._log, ComError(DISP_E_EXCEPTION, "Exception occurred.", "Resize to 0 columns"))
            if any(not isinstance(r, list | tuple) or len(r) != width for r in rows):  # e.g. [[1, 2], 3]
                raise _reject(self._log, TypeError("a 2-D block must be a list of equal-length rows"))
        prepared = [[_prepare(self._log, x) for x in row] for row in rows]  # win 486-499 + COM conversion
        target = self if scalar else Range(self._sheet, self._row, self._col, len(prepared), len(prepared[0]))
        target._check_editable()
        for i, r in enumerate(range(target._row, target._row + target._nrows)):  # R9
            for j, c in enumerate(range(target._col, target._col + target._ncols)):
                area = self._sheet._data.merge_area(r, c)
                x = prepared[0][0] if scalar else prepared[i][j]
                if area is not None and (r, c) != area[:2] and x not in (None, ""):
                    raise _reject(
                        self._log,
                        WindowsPitfall(
                            f"{_a1(r, c)} is inside the merged cell {_a1(*area[:2])}:{_a1(*area[2:])}: "
                            "Excel does not keep a value written there"
                        ),
                    )
        data_ = self._sheet._data
        for i, r in enumerate(range(target._row, target._row + target._nrows)):
            for j, c in enumerate(range(target._col, target._col + target._ncols)):
                x = prepared[0][0] if scalar else prepared[i][j]
                _store(self._log, data_.name, data_.cell(r, c), r, c, x, formula=formula)

    def _check_editable(self) -> None:
        prot = self._sheet._data.protection
        if (
            prot
            and prot["Contents"]
            and not prot["UserInterfaceOnly"]
            and any(self._sheet._data.peek(r, c).locked for r, c in self._cells())
        ):
            raise _reject(self._log, _protected_error())

    # -- formula
    @property
    def formula(self) -> Any:
        self._read()
        data = self._sheet._data
        texts = tuple(
            tuple(_cell_formula(data.peek(r, c)) for c in range(self._col, self._col + self._ncols))
            for r in range(self._row, self._row + self._nrows)
        )
        return texts[0][0] if (self._nrows, self._ncols) == (1, 1) else texts

    @formula.setter
    def formula(self, value: Any) -> None:
        self._write(value, formula=True)

    # -- colour
    @property
    def color(self) -> tuple[int, int, int] | None:
        c = self._sheet._data.peek(self._row, self._col)
        return None if c.color is None else int_to_rgb(c.color)

    @color.setter
    def color(self, color_or_rgb: tuple[int, int, int] | int | str | None) -> None:
        try:
            if isinstance(color_or_rgb, str):
                color_or_rgb = hex_to_rgb(color_or_rgb)  # win 1768-1769
            if color_or_rgb is None:
                bgr: int | None = None
            elif isinstance(color_or_rgb, int):
                bgr = color_or_rgb
            else:
                bgr = rgb_to_int(color_or_rgb)
        except Exception as exc:  # ValueError from hex_to_rgb, IndexError/TypeError from rgb_to_int
            raise _reject(self._log, exc) from None
        if bgr is not None and not (isinstance(bgr, int | float) and 0 <= bgr <= 0xFFFFFF):
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION, "Exception occurred.", "Unable to set the Color property of the Interior class"
                ),
            )
        prot = self._sheet._data.protection
        if prot and not prot["UserInterfaceOnly"] and not prot["AllowFormattingCells"]:
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION, "Exception occurred.", "Unable to set the Color property of the Interior class"
                ),
            )
        for r, c in self._cells():
            cell_ = self._sheet._data.cell(r, c)
            cell_.color = None if bgr is None else int(bgr)
            cell_.formatted = True

    # -- number format (R10)
    @property
    def number_format(self) -> str | None:
        formats = {self._sheet._data.peek(r, c).number_format for r, c in self._cells()}
        return formats.pop() if len(formats) == 1 else None

    @number_format.setter
    def number_format(self, value: str) -> None:
        if not isinstance(value, str):
            raise _reject(self._log, ComError(DISP_E_TYPEMISMATCH, "Type mismatch."))
        prot = self._sheet._data.protection
        if prot and not prot["UserInterfaceOnly"] and not prot["AllowFormattingCells"]:
            raise _reject(
                self._log,
                ComError(
                    DISP_E_EXCEPTION,
                    "Exception occurred.",
                    "Unable to set the NumberFormat property of the Range class",
                ),
            )
        for r, c in self._cells():
            cell_ = self._sheet._data.cell(r, c)
            cell_.number_format = value
            cell_.formatted = True

    # -- notes
    @property
    def note(self) -> Note | None:
        c = self._sheet._data.peek(self._row, self._col)
        return Note(self._sheet, self._row, self._col) if c.note is not None else None

    def add_note(self, text: str) -> Note:  # main 3797-3811
        if not isinstance(text, str):
            raise _reject(self._log, TypeError("Note text must be a string"))
        if not text:
            raise _reject(self._log, ValueError("Note text must not be empty"))
        if (self._nrows, self._ncols) != (1, 1):
            raise _reject(self._log, ValueError("A note can only be added to a single cell"))
        if self._sheet._data.peek(self._row, self._col).note is not None:
            raise _reject(self._log, ValueError("This cell already has a note"))
        _check_objects_editable(self._sheet)
        self._sheet._data.cell(self._row, self._col).note = text
        return Note(self._sheet, self._row, self._col)

    def clear_contents(self) -> None:
        self._check_editable()
        bottom, right = self._row + self._nrows - 1, self._col + self._ncols - 1
        for top_, left_, bottom_, right_ in self._sheet._data.merged:  # R9: part of a merged cell
            overlaps = top_ <= bottom and self._row <= bottom_ and left_ <= right and self._col <= right_
            inside = self._row <= top_ and bottom_ <= bottom and self._col <= left_ and right_ <= right
            if overlaps and not inside:
                raise _reject(
                    self._log,
                    ComError(DISP_E_EXCEPTION, "Exception occurred.", "Cannot change part of a merged cell."),
                )
        for r, c in self._cells():
            cell_ = self._sheet._data.peek(r, c)
            cell_.value, cell_.formula = None, None


def _check_objects_editable(sheet: Sheet) -> None:
    prot = sheet._data.protection
    if prot and prot["DrawingObjects"] and not prot["UserInterfaceOnly"]:
        raise _reject(
            sheet._log, ComError(DISP_E_EXCEPTION, "Exception occurred.", "The sheet's objects are protected.")
        )


class Note(_Strict):
    __slots__ = ("_col", "_row", "_sheet")

    def __init__(self, sheet: Sheet, row: int, col: int) -> None:
        self._log = sheet._log
        self._sheet, self._row, self._col = sheet, row, col

    @property
    def text(self) -> str:
        return self._sheet._data.peek(self._row, self._col).note or ""

    @text.setter
    def text(self, value: str) -> None:
        if not isinstance(value, str | int | float):
            raise _reject(
                self._log, TypeError(f"Objects of type '{type(value).__name__}' can not be converted to a COM VARIANT")
            )
        _check_objects_editable(self._sheet)
        self._sheet._data.cell(self._row, self._col).note = (
            value if isinstance(value, str) else _formula_text(float(value))
        )

    def delete(self) -> None:
        _check_objects_editable(self._sheet)
        self._sheet._data.cell(self._row, self._col).note = None


# -------------------------------------------------------------------------------------------- value conversions


def _clean(rows: list[list[Any]], options: dict[str, Any]) -> list[list[Any]]:
    """win 455-469 and 501-512 with the options of std 238-255."""
    dates = options.get("dates", dt.datetime)
    numbers = options.get("numbers")
    number_builder = {int: lambda x: int(round(x)), "raw int": int}.get(numbers, numbers)  # noqa: RUF046 - std 29-33
    empty = options.get("empty")
    err_to_str = options.get("err_to_str", False)

    def one(v: Any) -> Any:
        if v in ("", None):
            return empty
        if isinstance(v, dt.datetime):
            if dates is dt.date:
                return dt.date(v.year, v.month, v.day)
            return dates(
                year=v.year,
                month=v.month,
                day=v.day,
                hour=v.hour,
                minute=v.minute,
                second=v.second,
                microsecond=v.microsecond,
                tzinfo=None,
            )
        if number_builder is not None and isinstance(v, float):
            return number_builder(v)
        if isinstance(v, int) and not isinstance(v, bool) and v in CELL_ERRORS:
            return CELL_ERRORS[v] if err_to_str else None
        return v

    return [[one(v) for v in row] for row in rows]


def _prepare(log_: Log, x: Any) -> Any:
    """Engine.prepare_xl_data_element (win 486-499), then what COM accepts in a VARIANT."""
    if isinstance(x, float) and math.isnan(x):
        return None
    if x is None or isinstance(x, bool | str):
        return x
    if isinstance(x, int):
        if not -(2**63) <= x < 2**63:
            raise _reject(log_, OverflowError("Python int too large to convert to C long"))
        return float(x)
    if isinstance(x, float):
        return x
    if isinstance(x, dt.datetime):
        return x.replace(tzinfo=None)
    if isinstance(x, dt.date):
        return dt.datetime(x.year, x.month, x.day)
    if isinstance(x, dt.time):
        return dt.datetime(1899, 12, 30, x.hour, x.minute, x.second, x.microsecond)
    try:
        import numpy as np

        if isinstance(x, np.number):
            return float(x)
    except ImportError:  # pragma: no cover - numpy is there with pandas
        pass
    raise _reject(log_, TypeError(f"Objects of type '{type(x).__name__}' can not be converted to a COM VARIANT"))


_NUMBER_LIKE = re.compile(
    r"^\s*[-+]?(\d[\d.,\s]*)?\d([.,]\d+)?\s*%?\s*$|^\s*\d{1,4}\s*[/-]\s*\d{1,2}(\s*[/-]\s*\d{1,4})?\s*$"
)


def _store(log_: Log, sheet: str, cell_: Cell, r: int, c: int, x: Any, *, formula: bool) -> None:
    if x is None or x == "":
        cell_.value, cell_.formula = None, None
        return
    if isinstance(x, str) and x.startswith("'") and not formula:  # R11: the prefix character
        cell_.formula = None
        cell_.value = x[1:] or None
        return
    if isinstance(x, str) and x.startswith("=") and len(x) > 1:
        if cell_.formula != x:
            cell_.value = None  # the fake does not calculate
        cell_.formula = x
        return
    if isinstance(x, str) and _NUMBER_LIKE.match(x):
        log_.coercions.append((sheet, _a1(r, c), x))
    cell_.formula = None
    cell_.value = x


def _formula_text(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return format(v, ".15g").upper()


def _cell_formula(c: Cell) -> str:
    """What COM's Range.Formula gives for one cell."""
    if c.formula:
        return c.formula
    v = c.value
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int) and v in CELL_ERRORS:
        return CELL_ERRORS[v]
    if isinstance(v, float):
        return _formula_text(v)
    if isinstance(v, dt.datetime):
        text = f"{v.month}/{v.day}/{v.year}"
        if v.time() != dt.time():
            text += f"  {v.strftime('%I:%M:%S %p').lstrip('0')}"
        return text
    return str(v)


# ------------------------------------------------------------------------------------------------------ addresses

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(col: int) -> str:
    s = ""
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def _a1(row: int, col: int) -> str:
    return f"{_col_letters(col)}{row}"


def _abs(address: str) -> str:
    return ":".join(re.sub(r"^([A-Z]+)(\d+)$", r"$\1$\2", part) for part in address.split(":"))


def _parse_address(ref: str) -> tuple[int, int, int, int] | None:
    parts = ref.strip().split(":")
    if len(parts) > 2:
        return None
    corners = []
    for p in parts:
        m = _A1.match(p)
        if not m:
            return None
        row, col = int(m.group(2)), _col_index(m.group(1))
        if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
            return None
        corners.append((row, col))
    (r1, c1), (r2, c2) = corners[0], corners[-1]
    return min(r1, r2), min(c1, c2), abs(r2 - r1) + 1, abs(c2 - c1) + 1


# -------------------------------------------------------------------------------------------------- build, inspect


def log(book: Book) -> Log:
    return book._log


def answer(book: Book, *answers: str) -> None:
    """Queue the buttons the user will press in the next message boxes."""
    book._log.answers.extend(answers)


def sheet_data(book: Book, name: str) -> _SheetData:
    return next(d for d in book._sheets if d.name == name)


def cell(book: Book, sheet: str, address: str) -> Cell:
    parsed = _parse_address(address)
    assert parsed is not None, address
    return sheet_data(book, sheet).peek(parsed[0], parsed[1])


def values(book: Book, sheet: str) -> dict[str, Any]:
    """Every non-empty cell value (formulas as their text) of one sheet, keyed by A1 address."""
    return {
        _a1(r, c): (x.formula or x.value)
        for (r, c), x in sorted(sheet_data(book, sheet).cells.items())
        if x.formula or x.value is not None
    }


def format_only(book: Book, sheet: str, address: str) -> None:
    """Give a cell formatting and nothing else, as formats copied down a sheet do: it stretches UsedRange (S2)."""
    parsed = _parse_address(address)
    assert parsed is not None, address
    sheet_data(book, sheet).cell(parsed[0], parsed[1]).formatted = True


def book_from_grids(name: str, sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> Book:
    """A book of sheets typed as Python rows (row 0 = Excel row 1). Numbers are stored as Excel stores them (float)."""
    book = Book(name)
    for sheet_name, grid in sheets:
        data = _SheetData(sheet_name)
        for r, row in enumerate(grid, 1):
            for c, v in enumerate(row, 1):
                x = _prepare(book._log, v)
                if x is None or x == "":
                    continue
                if isinstance(x, str) and x.startswith("=") and len(x) > 1:
                    data.cell(r, c).formula = x
                else:
                    data.cell(r, c).value = x
        book._sheets.append(data)
    return book


_OPENPYXL_PROTECT = {  # openpyxl SheetProtection attribute → COM Protect argument (True in the file = forbidden)
    "formatCells": "AllowFormattingCells",
    "formatColumns": "AllowFormattingColumns",
    "formatRows": "AllowFormattingRows",
    "insertColumns": "AllowInsertingColumns",
    "insertRows": "AllowInsertingRows",
    "insertHyperlinks": "AllowInsertingHyperlinks",
    "deleteColumns": "AllowDeletingColumns",
    "deleteRows": "AllowDeletingRows",
    "sort": "AllowSorting",
    "autoFilter": "AllowFiltering",
    "pivotTables": "AllowUsingPivotTables",
}


def protection_of(ws: Any) -> dict[str, Any] | None:
    """The COM Protect arguments equivalent to an openpyxl sheet's protection (None when unprotected)."""
    p = ws.protection
    if not p.sheet:
        return None
    prot: dict[str, Any] = {
        "Password": _HASHED if p.password else None,
        "DrawingObjects": bool(p.objects),
        "Contents": True,
        "Scenarios": bool(p.scenarios),
        "UserInterfaceOnly": False,  # never saved in a file
    }
    prot.update({com: not bool(getattr(p, attr)) for attr, com in _OPENPYXL_PROTECT.items()})
    return prot


def book_from_xlsx(path: Path, name: str | None = None) -> Book:
    """Load a workbook with openpyxl as Excel would hold it: values and formulas (with their cached values), solid
    fill colours, notes, locked cells, merged cells, hidden sheets, sheet protection and a protected structure."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    wb_f = openpyxl.load_workbook(path)
    wb_v = openpyxl.load_workbook(path, data_only=True)
    book = Book(name or Path(path).name)
    book._path = Path(path).resolve().parent / book.name  # B6: opened from the file's folder
    book._locked_structure = bool(wb_f.security and wb_f.security.lockStructure)
    for ws in wb_f.worksheets:
        wv = wb_v[ws.title]
        data = _SheetData(ws.title, protection=protection_of(ws))
        data.visibility = {"visible": -1, "hidden": 0, "veryHidden": 2}.get(ws.sheet_state, -1)
        data.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        data.charts = [ChartData(type(ch).__name__, _chart_refs(ch)) for ch in getattr(ws, "_charts", [])]
        for row in ws.iter_rows():
            for c in row:
                x = data.cell(c.row, c.column)
                x.formatted = c.has_style
                x.number_format = c.number_format if c.has_style else "General"
                x.locked = bool(c.protection.locked) if c.has_style else True
                v = c.value
                if isinstance(v, ArrayFormula):
                    v = v.text
                if isinstance(v, str) and v.startswith("=") and c.data_type == "f":
                    x.formula = v
                    v = wv[c.coordinate].value  # the cached value, None if the file has none
                if c.data_type == "e" or (isinstance(v, str) and v in ERROR_CODES):
                    x.value = ERROR_CODES.get(str(v), ERROR_CODES["#N/A"])
                else:
                    x.value = _prepare(book._log, v) if v != "" else None
                fill = c.fill
                if fill is not None and fill.fill_type == "solid":
                    rgb = fill.fgColor.rgb if fill.fgColor is not None and fill.fgColor.type == "rgb" else None
                    if isinstance(rgb, str) and len(rgb) in (6, 8):
                        x.color = rgb_to_int(hex_to_rgb(rgb[-6:]))
                if c.comment is not None:
                    x.note = c.comment.text
        book._sheets.append(data)
    return book


def _chart_refs(chart: Any) -> list[str]:
    refs = []
    for series in chart.series:
        for ref in (series.val, series.cat):
            if ref is None:
                continue
            inner = getattr(ref, "numRef", None) or getattr(ref, "strRef", None)
            if inner is not None and inner.f:
                refs.append(inner.f)
    return refs


def check_version() -> None:
    if xlwings.__version__ != XLWINGS_VERSION:
        raise NotModelled(
            f"the fake models xlwings {XLWINGS_VERSION}'s Windows engine, xlwings {xlwings.__version__} is installed: "
            "re-read main.py/_xlwindows.py and update the fake"
        )
