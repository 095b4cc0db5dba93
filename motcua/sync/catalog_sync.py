"""Catalog sync from the national procedure database (placeholder)."""


def register():
    """Hook the jobs and subscribers of this module (called from SyncConfig.ready)."""
