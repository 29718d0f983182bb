"""Signing keys for the sandbox issuer, and a key file `order360 token` and `serve` share."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib

from joserfc.jwk import ECKey, RSAKey

_EC_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


def generate_signing_key() -> RSAKey:
    """A fresh 2048-bit RSA private key whose `kid` is its RFC 7638 thumbprint."""
    return RSAKey.generate_key(2048, private=True, auto_kid=True)


def algorithm_for(key: RSAKey | ECKey) -> str:
    """The one JWS algorithm this key signs with (RFC 8725 §3.1: one algorithm per key)."""
    if isinstance(key, RSAKey):
        return "RS256"
    curve = str(key.as_dict()["crv"])
    try:
        return _EC_ALGS[curve]
    except KeyError:
        raise ValueError(f"unsupported EC curve {curve!r}") from None


def key_id(key: RSAKey | ECKey) -> str:
    """The key's `kid`, or its thumbprint when it has none."""
    return key.kid or key.thumbprint()


def _read(path: pathlib.Path) -> RSAKey:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("kty") != "RSA" or "d" not in data:
        raise ValueError(f"{path} does not hold a private RSA JWK")
    key = RSAKey.import_key(data)
    key.ensure_kid()
    return key


def load_or_create_signing_key(path: pathlib.Path) -> RSAKey:
    """Read the private JWK at `path`, or create it (mode 0600, parent dirs included).

    Two processes starting together must end up with the same key, so the new
    key is written to a private temporary file and hard-linked into place,
    which fails instead of overwriting if the other process won the race.
    """
    if path.exists():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = generate_signing_key()
    text = json.dumps(key.as_dict(private=True), indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return _read(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return key
