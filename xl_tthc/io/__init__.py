"""Shells that touch files: workbook readers and writers, templates, atomic output.

May import openpyxl, python-calamine and XlsxWriter; the core never imports this package.
"""
