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


def decrypt(key: rsa.RSAPrivateKey, ciphertext: str) -> str:
    try:
        raw = base64.b64decode(ciphertext, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptError("not base64") from None
    try:
        # PKCS#1 v1.5 decryption in cryptography raises ValueError on a wrong key or bad padding.
        return key.decrypt(raw, padding.PKCS1v15()).decode()
    except (ValueError, UnicodeDecodeError):
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
