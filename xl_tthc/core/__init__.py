"""The pure core: frameworks as data, the scoring engine and findings.

Nothing under this package imports xlwings, openpyxl, pandas, python-calamine or any shell module
(enforced by the import-linter contract in pyproject.toml).
"""
