"""The package version, in a leaf module that imports nothing (any module may import it)."""

__version__ = "0.2.0"
