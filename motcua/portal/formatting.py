"""Kept for old imports: numbers and money are formatted by motcua.core.money (one formatter)."""

from motcua.core.money import format_number, format_vnd

__all__ = ["format_number", "format_vnd"]
