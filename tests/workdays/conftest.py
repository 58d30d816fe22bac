"""Fixtures of the workdays tests."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The shared `users` fixture hashes eight passwords; PBKDF2 makes that seconds per test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
