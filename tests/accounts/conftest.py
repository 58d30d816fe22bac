"""Fast password hashing for these tests (role users are created per test; PBKDF2 costs ~0.3 s each)."""

import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
