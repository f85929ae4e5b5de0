"""xl_tthc: scoring of Vietnamese administrative-procedure (TTHC), real-time service index (766)
and PAR Index (Chỉ số CCHC) workbooks.

The pure core lives in :mod:`xl_tthc.core`; the CLI, the batch runner and the Excel add-in are thin
shells over it.
"""

from xl_tthc._version import __version__

__all__ = ["__version__", "main"]


def main() -> None:
    """The Excel ribbon button «Tính điểm» (the add-in ``xl_tthc.xlam`` runs ``import xl_tthc; xl_tthc.main()``):
    the consolidation workbook is consolidated, any other workbook scored (:mod:`xl_tthc.excel`)."""
    from xl_tthc.excel import main as _main

    _main()
