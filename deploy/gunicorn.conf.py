"""gunicorn settings for motcua in production (docs/deploy.md, ADR 0042).

    gunicorn -c deploy/gunicorn.conf.py motcua.wsgi:application

Every value can be changed from the environment file (/etc/motcua/motcua.env) without editing this
file. gunicorn listens on loopback only; nginx in front terminates TLS and is the one trusted proxy.
"""

import os
import shutil
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# --- where and how many ------------------------------------------------------------------------
bind = os.environ.get("MOTCUA_WEB_BIND", "127.0.0.1:8000")
#: Sync workers: 2 × cores + 1 is gunicorn's rule of thumb; requests that wait on outside systems
#: (registries, the national portal) are bounded by the exchange client's own timeouts.
workers = _int("MOTCUA_WEB_WORKERS", 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread" if _int("MOTCUA_WEB_THREADS", 1) > 1 else "sync"
threads = _int("MOTCUA_WEB_THREADS", 1)
#: A request taking longer is killed (and logged): PDF rendering and signing take well under a
#: second, an Excel export of a whole queue a few seconds. Keep it below nginx's proxy_read_timeout.
timeout = _int("MOTCUA_WEB_TIMEOUT", 60)
graceful_timeout = _int("MOTCUA_WEB_GRACEFUL_TIMEOUT", 30)
keepalive = _int("MOTCUA_WEB_KEEPALIVE", 5)
#: Recycle each worker after about this many requests (jitter spreads the restarts), so a slow
#: leak in a library never grows without bound.
max_requests = _int("MOTCUA_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = _int("MOTCUA_WEB_MAX_REQUESTS_JITTER", 200)
#: Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 — gunicorn docs

# --- the trusted proxy ---------------------------------------------------------------------------
#: Only nginx on this machine (or the addresses listed) may tell us the scheme (X-Forwarded-Proto);
#: the client's address is read by the app from MOTCUA_PROXY_CLIENT_HEADER, counted from the right
#: (MOTCUA_PROXY_COUNT), never from what a client wrote further left.
forwarded_allow_ips = os.environ.get("MOTCUA_TRUSTED_PROXY_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
#: Headers with underscores are dropped (gunicorn's default, kept explicit): they could pose as
#: the dashed header the proxy set.
header_map = "drop"

# --- request limits (nginx has its own, see deploy/nginx/motcua.conf) ------------------------------
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# --- logs ----------------------------------------------------------------------------------------
#: Access log on stderr (journald): method, path without the query string (it may hold search
#: words), status, size, duration and the request id; never cookies or bodies.
accesslog = "-" if os.environ.get("MOTCUA_WEB_ACCESS_LOG", "1") == "1" else None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("MOTCUA_WEB_LOG_LEVEL", "info")
proc_name = "motcua-web"

#: gunicorn's control socket (gunicornc) in the service's runtime folder, not in a home directory;
#: off when that folder does not exist (e.g. a test run).
control_socket = os.environ.get("MOTCUA_WEB_CONTROL_SOCKET", "/run/motcua/gunicorn.ctl")
control_socket_disable = not os.path.isdir(os.path.dirname(control_socket))


# --- Prometheus multiprocess mode ---------------------------------------------------------------
# With several workers each keeps its histograms in PROMETHEUS_MULTIPROC_DIR, summed at scrape
# time (motcua/core/metrics.py). The folder is emptied at start and a dead worker's files merged.
def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        path = Path(folder)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True, mode=0o700)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
