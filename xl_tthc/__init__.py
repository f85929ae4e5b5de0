"""xl_tthc: scoring of Vietnamese administrative-procedure (TTHC), real-time service index (766)
and PAR Index (Chỉ số CCHC) workbooks.

The pure core lives in :mod:`xl_tthc.core`; the CLI, the batch runner and the Excel add-in are thin
shells over it.
"""

__version__ = "0.1.0"
