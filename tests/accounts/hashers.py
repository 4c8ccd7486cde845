"""A password hasher that costs what production's does (the test settings use MD5 for speed):
for the tests that compare how long answers take."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class CostlyHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256_costly"
    iterations = 300_000
