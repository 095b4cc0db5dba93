from django.db import connection
from django.http import JsonResponse

from . import health


def healthz(request):
    """Liveness and database check for load balancers and `make run`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})


def readyz(request):
    """Readiness: database, cache, storage, worker freshness, queue ages; 200 when ready, else 503.
    Counts and ages only, nothing personal."""
    ready, details = health.readiness()
    return JsonResponse(
        {"status": "ready" if ready else "not_ready", **details}, status=200 if ready else 503
    )
