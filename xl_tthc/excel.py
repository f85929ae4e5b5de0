"""What the ribbon button «Tính điểm» runs (``import xl_tthc; xl_tthc.main()``): one entry for every workbook.

The consolidation workbook (``Mau_Tong_hop.xlsx``, recognised by the marker line of its settings sheet) is
consolidated into itself from its folder (:func:`xl_tthc.consolidation_book.run_in_excel`, the pipeline of
``xl-tthc consolidate``); every other workbook is scored in place by the add-in (:func:`xl_tthc.addin.run`). This
module sits with the API (it reaches the batch through it), so that :mod:`xl_tthc.addin` itself never imports the
batch.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Entry point of the ribbon button: works on the workbook the button was pressed in."""
    import xlwings as xw

    run(xw.Book.caller())


def run(book: Any) -> Any:
    """«Tính điểm» on an open xlwings book: the consolidation workbook is consolidated, any other is scored.
    Never raises (errors end in a message box and the log file)."""
    from xl_tthc import addin

    try:
        from xl_tthc import consolidation_book

        found = consolidation_book.settings_sheet(book)
    except Exception as exc:  # reading the first sheet failed: the add-in says what it can
        addin.log_exception(exc)
        found = None
    if found is not None:
        return consolidation_book.run_in_excel(book, found)
    return addin.run(book)


__all__ = ["main", "run"]
