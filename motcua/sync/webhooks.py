"""Webhooks to subscribed systems (placeholder)."""


def register():
    """Hook the jobs and subscribers of this module (called from SyncConfig.ready)."""
