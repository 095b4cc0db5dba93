"""Audit log throughput: dossier transitions/s with 1 and 8 concurrent officers (ADR 0038)."""


def main(postgres: bool = False) -> None:
    print("audit: NOT MEASURED (bench being written)")
