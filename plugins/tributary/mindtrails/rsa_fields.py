"""The website encrypts fields whose names end in ``RSA`` with the study's public key (PKCS#1 v1.5,
base64 text). This module decrypts them with the private key; a field that cannot be decrypted
keeps its ciphertext and is reported, never dropped.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tributary.errors import BadInput

SUFFIX = "RSA"


class PrivateKeyError(BadInput):
    """The private key cannot be read (a configuration error: fails without retries)."""


def generate_key_pair(bits: int = 2048) -> tuple[str, str]:
    """A fresh (private PEM, public PEM) pair, for tests and the demo; never stored in the repo."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def load_private_key(pem: str, server: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise PrivateKeyError(f"the private_key of server {server!r} is not a readable PEM RSA key: "
                        f"{type(exc).__name__}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise PrivateKeyError(f"the private_key of server {server!r} is not an RSA key")
    return key


def encrypt(public_pem: str, text: str) -> str:
    key = serialization.load_pem_public_key(public_pem.encode())
    return base64.b64encode(key.encrypt(text.encode(), padding.PKCS1v15())).decode()


class DecryptError(BadInput):
    """One field could not be decrypted (`decrypt_entry` keeps its ciphertext and flags it)."""


#: PKCS#1 v1.5 encryption padding: 0x00 0x02, at least 8 non-zero random bytes, 0x00, message.
_MIN_PADDING = 8


def _unpad(key: rsa.RSAPrivateKey, raw: bytes) -> bytes | None:
    """The message inside ``raw`` (RSA with ``key``, PKCS#1 v1.5), or None if it is not one.

    Not `key.decrypt(raw, PKCS1v15())`: OpenSSL 3.2+ answers a ciphertext made with another key
    with "implicit rejection", a made-up message of random bytes instead of an error, and a short
    one of those (about 1 in 100) is valid text. A wrong key must be reported, so the padding is
    checked here. No timing oracle matters: this decrypts stored exports, not requests.
    """
    numbers = key.private_numbers()
    n = numbers.public_numbers.n
    size = (n.bit_length() + 7) // 8
    value = int.from_bytes(raw, "big")
    if len(raw) != size or value >= n:
        return None
    # Chinese remainder theorem: two half-size exponentiations instead of one full one.
    m1 = pow(value, numbers.dmp1, numbers.p)
    m2 = pow(value, numbers.dmq1, numbers.q)
    block = (m2 + numbers.q * ((numbers.iqmp * (m1 - m2)) % numbers.p)).to_bytes(size, "big")
    end = block.find(b"\x00", 2)
    if block[:2] != b"\x00\x02" or end < 2 + _MIN_PADDING:
        return None
    return block[end + 1:]


def decrypt(key: rsa.RSAPrivateKey, ciphertext: str) -> str:
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError("not base64") from None
    message = _unpad(key, raw)
    if message is None:
        raise DecryptError("cannot be decrypted with this key")
    try:
        return message.decode()
    except UnicodeDecodeError:
        raise DecryptError("cannot be decrypted with this key") from None


@dataclass
class Decoded:
    payload: dict[str, Any]
    failed_fields: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.failed_fields)


def encrypted_fields(payload: Mapping[str, Any]) -> list[str]:
    return [k for k, v in payload.items() if k.endswith(SUFFIX) and isinstance(v, str) and v]


def decrypt_entry(key: rsa.RSAPrivateKey | None, payload: Mapping[str, Any]) -> Decoded:
    """The entry with every ``*RSA`` field decrypted; fields that fail keep their ciphertext."""
    out = dict(payload)
    failed = []
    for name in encrypted_fields(payload):
        if key is None:
            failed.append(name)
            continue
        try:
            out[name] = decrypt(key, payload[name])
        except DecryptError:
            failed.append(name)
    return Decoded(out, failed)
