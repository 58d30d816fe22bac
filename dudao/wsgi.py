"""WSGI entry point (gunicorn dudao.wsgi): the public API through a shorter middleware chain
(dudao.common.public_api), everything else through settings.MIDDLEWARE."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dudao.settings")
django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application

from dudao.common.public_api import Application  # noqa: E402

application = Application()

# gunicorn runs no system checks: refuse to serve production with a weak secret key (dudao.E001).
from dudao.web.checks import refuse_unsafe_production  # noqa: E402

refuse_unsafe_production()
