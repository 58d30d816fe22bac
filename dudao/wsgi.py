"""WSGI entry point (gunicorn dudao.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve production with a weak secret key (dudao.E001).
from dudao.web.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
