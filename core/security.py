"""Password hashing and password rules.

bcrypt reads at most 72 bytes, and bcrypt 5 refuses longer input; the password is first
reduced with SHA-256 (base64, 44 bytes) so that long and multibyte passwords work and
differ. Verification of an unknown user runs against a dummy hash so that it takes as
long as a real one.
"""

from __future__ import annotations

import base64
import functools
import hashlib

import bcrypt

from core.config import load_settings

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 1024


def _rounds() -> int:
    # The cost factor is lowered only in the test environment, to keep suites fast.
    return 4 if load_settings().is_test else 12


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(_rounds())).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


@functools.cache
def dummy_hash() -> str:
    return hash_password("not a real password, only spends the same time")


def password_problems(password: str) -> list[str]:
    """Message keys for the rules a new password breaks (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append("password.too_short")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        problems.append("password.too_long")
    if password != password.strip():
        # The login form strips surrounding spaces, so such a password could never be used.
        problems.append("password.surrounding_space")
    return problems
