"""The product served for an HTTP bench: a free loopback port, gunicorn with the production
configuration (`deploy/gunicorn.conf.py`) or Python's wsgiref server, waiting for /healthz, and
stopping. Shared by bench/submissions.py, bench/load.py and bench/resilience.py.
"""

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent

#: One wsgiref server process (`python -c SERVER <port>`): several of them share the port with
#: SO_REUSEPORT, the kernel spreading connections over them.
SERVER = """
import os, socket, sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
from motcua.wsgi import application

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

class Server(WSGIServer):
    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

server = make_server("127.0.0.1", int(sys.argv[1]), application, server_class=Server, handler_class=Quiet)
server.serve_forever()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(env: dict, port: int, workers: int, **popen) -> subprocess.Popen:
    """gunicorn with the production configuration on 127.0.0.1:`port` (not waited for)."""
    command = [
        sys.executable, "-m", "gunicorn", "motcua.wsgi:application",
        "--config", str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, **popen)


def wsgiref(env: dict, port: int, **popen) -> subprocess.Popen:
    """One wsgiref server process on 127.0.0.1:`port` (SO_REUSEPORT; not waited for)."""
    return subprocess.Popen([sys.executable, "-c", SERVER, str(port)], cwd=ROOT, env=env, **popen)


def answers(url: str, seconds: float = 120, timeout: float = 5, pause: float = 0.5) -> bool:
    """Whether `url` answers 200 within `seconds` (asked every `pause` s, each ask `timeout` s at most)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=timeout).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(pause)
    return False


def stop(procs) -> None:
    """Terminate the processes; gunicorn lets its workers finish (graceful_timeout), then is killed."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
