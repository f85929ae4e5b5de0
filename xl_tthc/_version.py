"""The package version, importable without importing the package's shells."""

__version__ = "0.1.0"
