"""Shells that touch files: workbook readers and writers, templates, atomic output.

May import openpyxl, python-calamine and XlsxWriter; the core never imports this package.

The sheet states and the size limits every reader shares live here, so that a shell which reads no file (the
add-in) names them without importing the file reader.
"""

MAX_ROWS = 100_000  # a unit form has a few hundred rows; an appendix of every commune of a province a few thousand
MAX_CELLS = 2_000_000

VISIBLE, HIDDEN, VERY_HIDDEN = "visible", "hidden", "veryhidden"
