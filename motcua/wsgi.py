import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
application = get_wsgi_application()

# A WSGI server runs no system checks: refuse to serve in production with the sandbox keys.
from motcua.core.checks import refuse_sandbox_in_production  # noqa: E402

refuse_sandbox_in_production()
