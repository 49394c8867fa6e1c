"""Credential values and look-alike non-secrets, built from each format's public description.

Every function takes a ``random.Random`` so the corpus is reproducible from a seed. Nothing here
is a real credential, and no value is written literally in this file: fixed strings (documented
example keys, PEM armour) are assembled from pieces so that scanning this source tree finds nothing.
"""

from __future__ import annotations

import base64
import json
import random
import string
import uuid
import zlib

DIGITS = string.digits
LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
LETTERS = string.ascii_letters
ALNUM = LETTERS + DIGITS
BASE62 = DIGITS + UPPER + LOWER  # the 0-9A-Za-z alphabet of GitHub's token checksum
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B32 = UPPER + "234567"
BCRYPT64 = "./" + UPPER + LOWER + DIGITS

OPENAI_MARKER = "T3Blbk" + "FJ"  # base64 of "openai", embedded in every OpenAI secret key
_KEY = "KEY"


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def rbytes(rng: random.Random, n: int) -> bytes:
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def pem_armour(label: str, end: bool = False) -> str:
    """``-----BEGIN <label>-----`` (or END), assembled so that this source holds no PEM header."""
    return "-" * 5 + ("END " if end else "BEGIN ") + label + "-" * 5


# --------------------------------------------------------------------------- GitHub checksums


def base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum(random_part: str) -> str:
    """Base62 of the CRC32 of the 30 random characters, zero-padded to 6 characters."""
    return base62(zlib.crc32(random_part.encode("ascii")) & 0xFFFFFFFF, 6)


def github_checksum_ok(token: str) -> bool:
    """True when ``token`` (``ghp_`` and friends) carries a valid checksum in its last 6 chars."""
    _, sep, body = token.partition("_")
    return bool(sep) and len(body) == 36 and body[30:] == github_checksum(body[:30])


# --------------------------------------------------------------------------- true positives


def aws_access_key_id(rng: random.Random) -> str:
    return "AK" + "IA" + rand(rng, B32, 16)


def aws_secret_access_key(rng: random.Random) -> str:
    return rand(rng, B64, 40)


def openai_key(rng: random.Random, flavour: str) -> str:
    if flavour == "legacy":
        return "sk-" + rand(rng, ALNUM, 20) + OPENAI_MARKER + rand(rng, ALNUM, 20)
    half = rng.choice((58, 74)) if flavour != "admin" else 58
    return f"sk-{flavour}-" + rand(rng, URLSAFE, half) + OPENAI_MARKER + rand(rng, URLSAFE, half)


def anthropic_key(rng: random.Random) -> str:
    return "sk-ant-" + "api03-" + rand(rng, URLSAFE, 91) + "AA"


def google_api_key(rng: random.Random) -> str:
    return "AI" + "za" + rand(rng, URLSAFE, 35)


def azure_openai_key(rng: random.Random) -> str:
    return rand(rng, HEX, 32)


def azure_storage_connection_string(rng: random.Random, account: str) -> str:
    key = b64(rbytes(rng, 64))  # 88 characters ending in ==
    return f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};EndpointSuffix=core.windows.net"


def github_token(rng: random.Random, prefix: str) -> str:
    random_part = rand(rng, ALNUM, 30)
    return prefix + random_part + github_checksum(random_part)


def github_fine_grained(rng: random.Random) -> str:
    return "github_" + "pat_" + "11" + rand(rng, UPPER + DIGITS, 20) + "_" + rand(rng, ALNUM, 59)


def gitlab_pat(rng: random.Random) -> str:
    return "glpat-" + rand(rng, URLSAFE, 20)


def slack_token(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return f"xox{'b'}-{rand(rng, DIGITS, 11)}-{rand(rng, DIGITS, 13)}-{rand(rng, ALNUM, 24)}"
    return f"xox{'p'}-{rand(rng, DIGITS, 11)}-{rand(rng, DIGITS, 11)}-{rand(rng, DIGITS, 13)}-{rand(rng, HEX, 32)}"


def slack_webhook(rng: random.Random) -> str:
    team, bot = "T" + rand(rng, UPPER + DIGITS, 10), "B" + rand(rng, UPPER + DIGITS, 10)
    return f"https://hooks.{'slack'}.com/services/{team}/{bot}/{rand(rng, ALNUM, 24)}"


def stripe_live_key(rng: random.Random) -> str:
    prefix = rng.choice(("sk", "sk", "rk")) + "_live_"
    return prefix + ("51" + rand(rng, ALNUM, 97) if rng.random() < 0.6 else rand(rng, ALNUM, 24))


def huggingface_token(rng: random.Random) -> str:
    return "hf_" + rand(rng, LETTERS, 34)


def sendgrid_key(rng: random.Random) -> str:
    return "SG." + rand(rng, URLSAFE, 22) + "." + rand(rng, URLSAFE, 43)


def twilio_api_key(rng: random.Random) -> str:
    return "SK" + rand(rng, HEX, 32)


def twilio_auth_token(rng: random.Random) -> str:
    return rand(rng, HEX, 32)


def twilio_account_sid(rng: random.Random) -> str:
    return "AC" + rand(rng, HEX, 32)


def mistral_key(rng: random.Random) -> str:
    return rand(rng, ALNUM, 32)


def groq_key(rng: random.Random) -> str:
    return "gsk_" + rand(rng, ALNUM, 52)


def cohere_key(rng: random.Random) -> str:
    return rand(rng, ALNUM, 40)


def replicate_token(rng: random.Random) -> str:
    return "r8_" + rand(rng, ALNUM, 37)


def pinecone_key(rng: random.Random) -> str:
    return "pcsk_" + rand(rng, ALNUM, 5) + "_" + rand(rng, ALNUM, 63)


def password(rng: random.Random) -> str:
    """A strong, generated password or token, in one of the shapes people paste into configs."""
    shape = rng.random()
    if shape < 0.35:
        return rand(rng, ALNUM, rng.randint(20, 40))
    if shape < 0.55:
        return rand(rng, HEX, rng.choice((32, 40, 64)))
    if shape < 0.75:
        return b64(rbytes(rng, rng.choice((24, 32, 48))))
    return rand(rng, ALNUM + "!#%^*-_+=.~", rng.randint(16, 28))


def url_password(rng: random.Random) -> str:
    return rand(rng, ALNUM, rng.randint(14, 30))


def database_url(rng: random.Random, user: str, host: str, db: str) -> str:
    pw = url_password(rng)
    style = rng.randrange(6)
    if style == 0:
        return f"postgresql://{user}:{pw}@{host}:5432/{db}"
    if style == 1:
        return f"postgresql+asyncpg://{user}:{pw}@{host}:5432/{db}?ssl=require"
    if style == 2:
        return f"mysql://{user}:{pw}@{host}:3306/{db}"
    if style == 3:
        return f"mongodb+srv://{user}:{pw}@cluster0.{rand(rng, LOWER + DIGITS, 5)}.mongodb.net/{db}?retryWrites=true&w=majority"
    if style == 4:
        return f"redis://default:{pw}@{host}:6379/0"
    return f"amqp://{user}:{pw}@{host}:5672/{db}"


def basic_auth_url(rng: random.Random, user: str, host: str) -> str:
    pw = url_password(rng)
    path = rng.choice(("simple/", "api/v1/search", "repository/pypi-internal/simple", "", "v2/"))
    scheme = rng.choice(("https", "https", "http"))
    return f"{scheme}://{user}:{pw}@{host}/{path}"


def jwt(rng: random.Random, subject: str) -> str:
    header = {"alg": rng.choice(("HS256", "HS256", "RS256")), "typ": "JWT"}
    iat = 1_700_000_000 + rng.randrange(40_000_000)
    payload = {"sub": subject, "role": rng.choice(("service_role", "admin", "agent", "user")),
               "iat": iat, "exp": iat + rng.choice((3600, 86400, 31_536_000 * 10))}
    sig_len = 32 if header["alg"] == "HS256" else 256
    parts = (json.dumps(header, separators=(",", ":")).encode(), json.dumps(payload, separators=(",", ":")).encode())
    return ".".join((b64url(parts[0]), b64url(parts[1]), b64url(rbytes(rng, sig_len))))


_DER_PREFIX = {
    # the DER headers real keys start with: SEQUENCE, version, (PKCS#8: the rsaEncryption OID)
    "RSA PRIVATE KEY": (bytes([0x30, 0x82, 0x04, 0xA4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00]), 1180),
    "PRIVATE KEY": (bytes([0x30, 0x82, 0x04, 0xBD, 0x02, 0x01, 0x00, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86,
                           0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x82, 0x04, 0xA7]), 1190),
    "EC PRIVATE KEY": (bytes([0x30, 0x77, 0x02, 0x01, 0x01, 0x04]), 115),
}


def pem_private_key(rng: random.Random, label: str | None = None) -> list[str]:
    """A PEM private key as lines: armour, 64-column base64 body, armour."""
    label = label or rng.choice(("RSA PRIVATE " + _KEY, "PRIVATE " + _KEY, "PRIVATE " + _KEY, "EC PRIVATE " + _KEY))
    prefix, size = _DER_PREFIX[label]
    body = b64(prefix + rbytes(rng, size))
    return [pem_armour(label), *(body[i:i + 64] for i in range(0, len(body), 64)), pem_armour(label, end=True)]


def openssh_private_key(rng: random.Random) -> list[str]:
    label = "OPENSSH PRIVATE " + _KEY
    blob = b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none" * 2 + b"\x00\x00\x00\x00\x00\x00\x00\x01" + rbytes(rng, 360)
    body = b64(blob)
    return [pem_armour(label), *(body[i:i + 70] for i in range(0, len(body), 70)), pem_armour(label, end=True)]


# --------------------------------------------------------------------------- hard negatives


def aws_documented_examples() -> list[tuple[str, str]]:
    """The example key pairs printed in AWS's own documentation."""
    return [
        ("AWS_ACCESS_KEY_ID", "AK" + "IAIOSFODNN7" + "EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI" + "/K7MDENG/" + "bPxRfiCY" + "EXAMPLE" + _KEY),
        ("AWS_ACCESS_KEY_ID", "AK" + "IAI44QH8DHB" + "EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "je7MtGbClwBF" + "/2Zp9Utk/" + "h3yCo8nvb" + "EXAMPLE" + _KEY),
    ]


def placeholder_literal(rng: random.Random) -> str:
    return rng.choice((
        "sk-...", "sk-" + "x" * 48, "sk-proj-" + "X" * 20, "<your key>", "<YOUR_API_KEY>", "<your-openai-api-key>",
        "your-api-key-here", "your_api_key_here", "changeme", "change-me", "REPLACE_ME", "TODO", "dummy",
        "x" * 32, "*" * 8, "<redacted>", "ghp_" + "x" * 36, "hf_" + "x" * 34, "sk-ant-...", "AI" + "za" + "...",
        "xox" + "b-your-bot-token", "glpat-" + "x" * 20, "insert-key-here", "None", "null",
    ))


def git_sha(rng: random.Random) -> str:
    return rand(rng, HEX, 40)


def sha256_hex(rng: random.Random) -> str:
    return rand(rng, HEX, 64)


def uuid4(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def npm_integrity(rng: random.Random) -> str:
    return "sha512-" + b64(rbytes(rng, 64))


def png_base64(rng: random.Random, size: int) -> str:
    ihdr = b"\x00\x00\x00\rIHDR" + rbytes(rng, 17)
    return b64(b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IDAT" + rbytes(rng, size))


def ssh_public_key(rng: random.Random, comment: str) -> str:
    if rng.random() < 0.5:
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rbytes(rng, 32)
        return f"ssh-ed25519 {b64(blob)} {comment}"
    blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01\x00" + rbytes(rng, 256)
    return f"ssh-rsa {b64(blob)} {comment}"


def stripe_public_or_test(rng: random.Random) -> str:
    prefix = rng.choice(("pk_live_", "pk_test_", "sk_test_", "rk_test_"))
    return prefix + ("51" + rand(rng, ALNUM, 97) if rng.random() < 0.6 else rand(rng, ALNUM, 24))


def bcrypt_hash(rng: random.Random) -> str:
    return f"$2b${rng.choice((10, 12, 12, 14))}$" + rand(rng, BCRYPT64, 53)


def semver(rng: random.Random) -> str:
    core = f"{rng.randrange(0, 12)}.{rng.randrange(0, 40)}.{rng.randrange(0, 30)}"
    tail = rng.choice(("", "", f"-rc.{rng.randrange(1, 6)}", f"-beta.{rng.randrange(1, 9)}",
                       f"+build.{rng.randrange(1000, 99999)}", f"-alpha.{rng.randrange(1, 4)}+sha.{rand(rng, HEX, 7)}"))
    return core + tail
