"""Wait until a URL answers (used by `make run` to start the worker once the server listens, so the
jobs that call the shipped sandboxes over HTTP do not fail on their first run)."""

import sys
import time
import urllib.request

url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2] if len(sys.argv) > 2 else 60)
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 — a loopback URL given by the Makefile
            sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit(f"{url} did not answer; starting the worker anyway")
