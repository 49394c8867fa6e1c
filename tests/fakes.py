"""Fake credentials for tests, assembled at run time from seeded random characters, so that the
test files themselves hold no literal a secret scanner would report."""

from __future__ import annotations

import random
import string
import zlib

__all__ = ["aws_key_id", "aws_secret", "github_token", "openai_project_key", "random_text"]

_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


def random_text(n: int, alphabet: str, seed: str) -> str:
    """``n`` characters of ``alphabet``, the same for the same seed, with no run of three equal
    or consecutive characters (which scanners treat as placeholders)."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        c = rng.choice(alphabet)
        if len(out) >= 2:
            a, b = out[-2], out[-1]
            if a == b == c or (ord(b) - ord(a) == ord(c) - ord(b) and abs(ord(b) - ord(a)) == 1):
                continue
        out.append(c)
    return "".join(out)


def aws_key_id(seed: str = "aws") -> str:
    return "AK" + "IA" + random_text(16, string.ascii_uppercase + "234567", seed)


def aws_secret(seed: str = "aws-secret") -> str:
    return random_text(40, string.ascii_letters + string.digits + "/+", seed)


def _base62(n: int, width: int) -> str:
    digits = ""
    while n:
        n, r = divmod(n, 62)
        digits = _B62[r] + digits
    return digits.rjust(width, "0")


def github_token(seed: str = "gh", prefix: str = "ghp") -> str:
    """A classic GitHub token with a valid CRC32 checksum in its last six characters."""
    body = random_text(30, string.ascii_letters + string.digits, seed)
    return f"{prefix}_{body}{_base62(zlib.crc32(body.encode()), 6)}"


def openai_project_key(seed: str = "openai") -> str:
    alphabet = string.ascii_letters + string.digits
    return "sk-" + "proj-" + random_text(64, alphabet, seed) + "T3Blbk" + "FJ" + random_text(64, alphabet, seed + "2")
