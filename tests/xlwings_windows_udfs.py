"""Strict checks of the worksheet functions (``xl_tthc/udfs.py``) as xlwings 0.37.8 serves them on Windows.

Off Windows ``xw.func``/``xw.arg``/``xw.ret`` are no-ops (xlwings/__init__.py 383-453), so nothing checks the
decorators' arguments until Excel imports the functions. :func:`udf_metadata` applies xlwings' real decorators
(``xlwings/udfs.py`` 156-270: ``xlfunc``, ``xlarg``, ``xlret``) in a child process, as ``macros/gen_udf_vba.py``
does (pywin32 stubbed), each wrapped by a checker that records what xlwings would silently accept but ignore, and
returns the ``__xlfunc__`` metadata Excel's side is generated from. :func:`problems` then checks it, and
:func:`call_like_windows` calls a UDF the way ``xlwings.udfs.call_udf`` (``udfs.py`` 474-567) does on Windows.

Rules (``udfs`` = xlwings/udfs.py, ``win`` = xlwings/_xlwindows.py, ``conv`` = xlwings/conversion/__init__.py):

  U1. ``@xw.func`` keywords: ``category`` (a str, cut to 255 characters without a word, or an int 1-14: udfs
      102-118), ``call_in_wizard`` and ``volatile`` (bools, udfs 131-140), ``async_mode`` ("threading", udfs
      121-128). Any other keyword is silently ignored by xlwings: a problem here. A category longer than 255
      characters is a problem (cut silently).
  U2. ``@xw.arg(name, convert=None, **kwargs)``: ``name`` must be a parameter (udfs 262-263 raise otherwise);
      ``doc`` and ``vba`` are taken out (udfs 265-267); every other keyword becomes a converter option, and
      options the converter does not know are ignored silently: a problem here (a misspelt ``doc`` would vanish).
      ``@xw.ret(convert=None, **kwargs)``: every keyword is a converter option (udfs 243-253; a ``doc`` there
      would be ignored too).
  U3. Signatures: no keyword-only or ``**kwargs`` parameters (udfs 84-99 raise), no ``*args`` together with
      defaults (udfs 170-174). Annotations are looked up as converters (udfs 191-203): each ``convert`` must be
      registered with ``xlwings.conversion.accessors``, else the call fails inside Excel only.
  U4. Excel's side (``generate_vba_wrapper``, udfs 591-736, and ``MacroOptions``): function and parameter names
      are VBA identifiers (ASCII letter first, then letters, digits, ``_``; at most 255 characters; not a VBA
      reserved word, MS-VBAL 3.3.5.2); a function name must not read as a cell reference (``QD1``, ``XFD10``, ``R1C1``)
      or Excel cannot call it; a parameter named ``caller`` receives the calling cell, not a value (udfs 487-491,
      609-612); the function and argument descriptions are cut by ``MacroOptions`` at 255 characters.
  U5. Calls (udfs 497-509): a missing optional argument arrives as its Python default; a cell or range argument
      is read with the argument's options like ``Range.value`` (one cell a scalar, one row or column a flat list,
      a block a list of rows; numbers ``float``, empty cells ``None``, an error cell ``None`` unless
      ``err_to_str=True``, win 455-469); a typed constant goes through the same cleaning. The result is written
      with ``conversion.write`` (conv 120-130: rows of equal length) and must fit in a cell: a COM VARIANT
      (win 486-499), a finite number (Excel shows ``#NUM!`` otherwise), text of at most 32.767 characters.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import xlwings_windows_fake as fk

ROOT = Path(__file__).resolve().parent.parent
CONVERTER_OPTIONS = {"convert", "ndim", "numbers", "dates", "empty", "transpose", "expand", "chunksize", "err_to_str"}
FUNC_KEYWORDS = {"category", "call_in_wizard", "volatile", "async_mode"}
MISSING = -2147352572  # what the VBA wrapper passes for an omitted Optional argument (udfs 500)
MAX_CELL_TEXT = 32_767

VBA_RESERVED = {  # MS-VBAL 3.3.5.2 reserved identifiers and the statement keywords
    w.lower()
    for w in """Abs AddressOf And Any Array As Attribute Boolean ByRef Byte ByVal Call Case CBool CByte CCur CDate CDbl
    CDec CInt CLng CLngLng CLngPtr Circle Close Const CSng CStr Currency CVar CVErr Date Debug Decimal Declare DefBool
    DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do
    DoEvents Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit False Fix For Friend Function
    Get Global GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let Like LineInput Lock
    Long LongLong LongPtr Loop LSet Me Mid MidB Mod New Next Not Nothing Null Object On Open Option Optional Or
    ParamArray Preserve Print Private PSet Public Put RaiseEvent ReDim Rem Resume Return RSet Scale Seek Select Set
    Sgn Shared Single Spc Static Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until Variant Wend While
    Width With WithEvents Write Xor""".split()  # noqa: SIM905 - the specification's list, as printed
}
_VBA_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")
_A1_NAME = re.compile(r"^([A-Za-z]{1,3})([0-9]+)$")
_R1C1_NAME = re.compile(r"^[Rr]([0-9]*)([Cc]([0-9]*))?$|^[Cc][0-9]*$")

_PROBE = r"""
import json, runpy, sys
sys.path.insert(0, ROOT)
gen = runpy.run_path(ROOT + "/macros/gen_udf_vba.py")
gen["_stub_pywin32"]()
import xlwings as xw
from xlwings import udfs
from xlwings.conversion import accessors

found = []

def _unknown(where, keys, allowed):
    for k in sorted(set(keys) - set(allowed)):
        found.append(f"{where}: keyword {k!r} is ignored by xlwings")

def func(f=None, **kwargs):
    def inner(g):
        _unknown(f"@xw.func on {g.__name__}", kwargs, FUNC_KEYWORDS)
        cat = kwargs.get("category")
        if isinstance(cat, str) and len(cat) > 255:
            found.append(f"@xw.func on {g.__name__}: category longer than 255 characters is cut")
        return udfs.xlfunc(**kwargs)(g)
    return inner if f is None else inner(f)

def arg(name, convert=None, **kwargs):
    real = udfs.xlarg(name, convert, **kwargs)
    def inner(g):
        _unknown(f"@xw.arg({name!r}) on {g.__name__}", kwargs, CONVERTER_OPTIONS | {"doc", "vba"})
        return real(g)
    return inner

def ret(convert=None, **kwargs):
    real = udfs.xlret(convert, **kwargs)
    def inner(g):
        _unknown(f"@xw.ret on {g.__name__}", kwargs, CONVERTER_OPTIONS)
        return real(g)
    return inner

xw.func, xw.arg, xw.ret = func, arg, ret
import importlib
mod = importlib.import_module(MODULE)

def show(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return getattr(v, "__qualname__", None) or getattr(v, "_name", None) or repr(v)

out = {"problems": found, "functions": {}}
for name in mod.__all__:
    f = getattr(mod, name)
    x = f.__xlfunc__
    out["functions"][name] = {
        "category": x["category"], "call_in_wizard": x["call_in_wizard"], "volatile": x["volatile"],
        "async_mode": x["async_mode"], "sub": x["sub"],
        "args": [
            {
                "name": a["name"], "doc": a["doc"], "vba": a["vba"], "vararg": a["vararg"],
                "has_default": "optional" in a, "default": show(a.get("optional")),
                "options": {k: show(v) for k, v in a["options"].items()},
                "registered": a["options"].get("convert") in accessors,
            }
            for a in x["args"]
        ],
        "ret": {
            "doc": x["ret"]["doc"],
            "options": {k: show(v) for k, v in x["ret"]["options"].items()},
            "registered": x["ret"]["options"].get("convert") in accessors,
        },
    }
print(json.dumps(out, ensure_ascii=False))
"""


@cache
def udf_metadata(module: str = "xl_tthc.udfs") -> dict[str, Any]:
    """The real decorators' metadata and the silently-ignored keywords they were given (child process)."""
    code = (
        f"ROOT = {str(ROOT)!r}; MODULE = {module!r}; "
        f"FUNC_KEYWORDS = {sorted(FUNC_KEYWORDS)!r}; CONVERTER_OPTIONS = set({sorted(CONVERTER_OPTIONS)!r})\n" + _PROBE
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        raise AssertionError(f"xlwings' decorators refused {module} (as Excel's import would):\n{res.stderr}")
    meta: dict[str, Any] = json.loads(res.stdout)
    return meta


def looks_like_a_cell(name: str) -> bool:
    m = _A1_NAME.match(name)
    if m:
        col = 0
        for ch in m.group(1).upper():
            col = col * 26 + ord(ch) - 64
        return col <= fk.MAX_COLS and 1 <= int(m.group(2)) <= fk.MAX_ROWS
    return bool(_R1C1_NAME.match(name))


def problems(meta: dict[str, Any]) -> list[str]:
    """Rules U1-U4 over :func:`udf_metadata`'s result: an empty list when Windows would take every function."""
    out = list(meta["problems"])
    for name, f in meta["functions"].items():
        if not _VBA_IDENT.match(name) or name.lower() in VBA_RESERVED:
            out.append(f"{name}: not usable as a VBA function name")
        if looks_like_a_cell(name):
            out.append(f"{name}: Excel reads this name as a cell reference")
        cat = f["category"]
        if not (isinstance(cat, str) or (isinstance(cat, int) and 1 <= cat <= 14)):
            out.append(f"{name}: category {cat!r}")
        if len(f["ret"]["doc"]) > 255:
            out.append(f"{name}: description longer than 255 characters (MacroOptions cuts it)")
        if not f["ret"]["registered"]:
            out.append(f"{name}: return converter {f['ret']['options'].get('convert')!r} is not registered")
        for a in f["args"]:
            where = f"{name}({a['name']})"
            if not _VBA_IDENT.match(a["name"]) or a["name"].lower() in VBA_RESERVED:
                out.append(f"{where}: not usable as a VBA parameter name")
            if a["name"] == "caller":
                out.append(f"{where}: xlwings passes the calling cell to a parameter named caller")
            if len(a["doc"]) > 255:
                out.append(f"{where}: description longer than 255 characters (MacroOptions cuts it)")
            if a["doc"].startswith("Positional argument"):
                out.append(f"{where}: no description (the Insert Function dialog shows «Positional argument»)")
            if not a["registered"]:
                out.append(f"{where}: converter {a['options'].get('convert')!r} is not registered")
    return out


@dataclass(frozen=True)
class Cells:
    """A cell or range argument: its rows as Excel holds them (numbers, text, None, or fk.ERROR_CODES[...])."""

    rows: tuple[tuple[Any, ...], ...]

    @classmethod
    def of(cls, *rows: Any) -> Cells:
        return cls(tuple(tuple(r) if isinstance(r, list | tuple) else (r,) for r in rows))


def _read_option(options: dict[str, Any]) -> dict[str, Any]:
    opts = {k: v for k, v in options.items() if k != "convert"}
    if options.get("convert") not in (None, "Any"):
        raise fk.NotModelled(f"converter {options['convert']!r}")
    return opts


def _argument(arg: dict[str, Any], value: Any) -> Any:
    """One argument as call_udf hands it to the function (udfs 497-509)."""
    if value is MISSING:
        return arg["default"] if arg["has_default"] else None
    rows = value.rows if isinstance(value, Cells) else ((value,),)
    book = fk.book_from_grids("udf.xlsx", [("Sheet1", [[None] * len(rows[0])] * len(rows))])
    data = fk.sheet_data(book, "Sheet1")
    for r, row in enumerate(rows, 1):
        for c, v in enumerate(row, 1):
            data.cell(r, c).value = v if isinstance(v, int) and v in fk.CELL_ERRORS else fk._prepare(fk.log(book), v)
    rng = book.sheets[0].range((1, 1), (len(rows), len(rows[0])))
    return rng.options(**_read_option(arg["options"])).value


def call_like_windows(func: Any, *excel_args: Any, module: str = "xl_tthc.udfs") -> Any:
    """Call ``func`` as xlwings on Windows would for ``=FUNC(excel_args…)`` and return what the cell shows.

    Each argument is a :class:`Cells` (a cell or range reference), :data:`MISSING`, or a typed constant.
    """
    meta = udf_metadata(module)["functions"][func.__name__]
    args_info = meta["args"]
    args = [_argument(args_info[min(i, len(args_info) - 1)], v) for i, v in enumerate(excel_args)]
    ret = func(*args)
    from xlwings.conversion import _check_not_jagged

    _check_not_jagged(ret)  # conv 121
    rows = ret if isinstance(ret, list | tuple) else [[ret]]
    rows = [r if isinstance(r, list | tuple) else [r] for r in rows]
    shown = [[fk._prepare(fk.Log(), v) for v in r] for r in rows]  # TypeError when COM cannot hold it
    for r in shown:
        for v in r:
            if isinstance(v, float) and not math.isfinite(v):
                raise ValueError("Excel shows #NUM! for a non-finite result")
            if isinstance(v, str) and len(v) > MAX_CELL_TEXT:
                raise ValueError("Excel shows #VALUE! for text longer than 32.767 characters")
    return shown[0][0] if not isinstance(ret, list | tuple) else shown
