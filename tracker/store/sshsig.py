"""In-process SSH signatures (SSHSIG): the format of ``ssh-keygen -Y sign``.

Git's ``gpg.format=ssh`` commit signing stores such a signature in the
``gpgsig`` header of a commit.  This module creates and verifies them with the
``cryptography`` package only, so that checking thousands of commits does not
spawn thousands of ``ssh-keygen`` processes.

The format is specified in OpenSSH's ``PROTOCOL.sshsig``.  The decoded armor
is::

    byte[6]  "SSHSIG"
    uint32   version (1)
    string   publickey        (SSH wire-format key blob)
    string   namespace        (e.g. "git")
    string   reserved         (empty)
    string   hash_algorithm   ("sha256" or "sha512")
    string   signature        (SSH wire-format signature)

and the data actually signed by the key is::

    byte[6]  "SSHSIG"
    string   namespace
    string   reserved         (empty)
    string   hash_algorithm
    string   H(message)

Supported key types: ``ssh-ed25519``, ``ecdsa-sha2-nistp256/384/521`` and
``ssh-rsa`` for signing and verifying; in addition the FIDO key types
``sk-ssh-ed25519@openssh.com`` and ``sk-ecdsa-sha2-nistp256@openssh.com`` can
be verified (signing with them needs the hardware token, so it is not done
here).

Errors: every problem raises a subclass of :class:`SshSigError`.
:func:`verify` raises :class:`BadSignature` when the signature is well formed
but does not prove that its key signed ``message`` in the expected namespace
(wrong message, wrong namespace, wrong key, forged signature, RSA signature
with SHA-1, and - only when asked for - a FIDO signature made without touch).  Structurally broken
input (bad armor, bad base64, wrong magic or version, truncated fields,
unsupported key type or hash) raises plain :class:`SshSigError`.  Callers that
only want "valid or not" catch :class:`SshSigError`.

:func:`verify` only proves that the embedded public key made the signature; it
is the caller's job to decide whether that key is trusted (the equivalent of
ssh-keygen's ``allowed_signers`` file).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import struct
from dataclasses import dataclass, field
from typing import Union

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

__all__ = [
    "SshSigError",
    "BadSignature",
    "KeyEncrypted",
    "PublicKey",
    "PrivateKey",
    "parse_public_key",
    "parse_public_key_blob",
    "load_public_key_file",
    "load_private_key",
    "public_key_of",
    "sign",
    "verify",
    "HASH_ALGORITHMS",
    "KEY_ALGORITHMS",
]


class SshSigError(Exception):
    """Malformed or unsupported input: keys, armor, signature structure."""


class BadSignature(SshSigError):
    """A well-formed signature that does not verify for this message and namespace."""


class KeyEncrypted(SshSigError):
    """The private key is protected by a passphrase and none was given."""


# --------------------------------------------------------------------------- constants

_MAGIC = b"SSHSIG"
_VERSION = 1
_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
_END = b"-----END SSH SIGNATURE-----"
_LINE = 70  # ssh-keygen wraps the base64 body at 70 columns

#: Message hash algorithms allowed inside an SSHSIG (same list as ssh-keygen).
HASH_ALGORITHMS = ("sha256", "sha512")
_HASHERS = {"sha256": hashlib.sha256, "sha512": hashlib.sha512}

_ED25519 = "ssh-ed25519"
_RSA = "ssh-rsa"
_SK_ED25519 = "sk-ssh-ed25519@openssh.com"
_SK_ECDSA = "sk-ecdsa-sha2-nistp256@openssh.com"
# algorithm name -> (curve name in the blob, curve, signature hash)
_ECDSA = {
    "ecdsa-sha2-nistp256": ("nistp256", ec.SECP256R1(), hashes.SHA256()),
    "ecdsa-sha2-nistp384": ("nistp384", ec.SECP384R1(), hashes.SHA384()),
    "ecdsa-sha2-nistp521": ("nistp521", ec.SECP521R1(), hashes.SHA512()),
}
_RSA_SIG_HASHES = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512()}
_RSA_MIN_BITS = 1024  # OpenSSH's SSH_RSA_MINIMUM_MODULUS_SIZE
_RSA_MAX_BITS = 16384  # OpenSSH's SSHBUF_MAX_BIGNUM
_SK_USER_PRESENT = 0x01

KEY_ALGORITHMS = (_ED25519, *_ECDSA, _RSA, _SK_ED25519, _SK_ECDSA)
"""Public-key algorithms understood by :func:`parse_public_key` and :func:`verify`."""

PrivateKey = Union[ed25519.Ed25519PrivateKey, ec.EllipticCurvePrivateKey, rsa.RSAPrivateKey]
"""The private-key objects accepted by :func:`sign` (``cryptography`` key objects)."""


# --------------------------------------------------------------------------- wire format

_U32 = struct.Struct(">I")


class _Reader:
    """Sequential reader of SSH wire-format fields; raises SshSigError on truncation."""

    __slots__ = ("buf", "pos", "what")

    def __init__(self, buf: bytes, what: str) -> None:
        self.buf = buf
        self.pos = 0
        self.what = what

    def _fail(self) -> SshSigError:
        return SshSigError(f"truncated or malformed {self.what}")

    def u8(self) -> int:
        if self.pos >= len(self.buf):
            raise self._fail()
        self.pos += 1
        return self.buf[self.pos - 1]

    def u32(self) -> int:
        end = self.pos + 4
        if end > len(self.buf):
            raise self._fail()
        (value,) = _U32.unpack_from(self.buf, self.pos)
        self.pos = end
        return value

    def string(self) -> bytes:
        start = self.pos + 4
        if start > len(self.buf):
            raise self._fail()
        (n,) = _U32.unpack_from(self.buf, self.pos)
        end = start + n
        if end > len(self.buf):
            raise self._fail()
        self.pos = end
        return self.buf[start:end]

    def text(self) -> str:
        raw = self.string()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SshSigError(f"non-UTF-8 text in {self.what}") from None

    def mpint(self) -> int:
        """A non-negative SSH mpint (two's complement, big-endian)."""
        raw = self.string()
        if raw and raw[0] & 0x80:
            raise SshSigError(f"negative number in {self.what}")
        return int.from_bytes(raw, "big")

    def end(self) -> None:
        if self.pos != len(self.buf):
            raise SshSigError(f"trailing data in {self.what}")


def _string(data: bytes) -> bytes:
    return _U32.pack(len(data)) + data


def _mpint(value: int) -> bytes:
    """Encode a non-negative integer as an SSH mpint."""
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big") if value else b""
    if len(raw) > 1 and raw[0] == 0 and not raw[1] & 0x80:
        raw = raw[1:]
    return _string(raw)


# --------------------------------------------------------------------------- public keys


@dataclass(frozen=True)
class PublicKey:
    """An SSH public key: algorithm name and wire-format blob.

    Equality and hashing use ``(algo, blob)`` only; ``comment`` is informational.
    """

    algo: str
    blob: bytes
    comment: str = field(default="", compare=False)

    @property
    def fingerprint(self) -> str:
        """``SHA256:<base64 without padding>``, exactly as ``ssh-keygen -lf`` prints it."""
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    def openssh(self) -> str:
        """The OpenSSH public-key line without comment: ``"algo base64"``."""
        return f"{self.algo} {base64.b64encode(self.blob).decode('ascii')}"

    def __str__(self) -> str:
        return f"{self.openssh()} {self.comment}" if self.comment else self.openssh()


@dataclass(frozen=True)
class _Verifier:
    """A parsed, validated public key plus the loaded ``cryptography`` object."""

    public: PublicKey
    kind: str  # "ed25519" | "ecdsa" | "rsa" | "sk-ed25519" | "sk-ecdsa"
    key: object
    ecdsa_hash: hashes.HashAlgorithm | None = None
    rsa_bytes: int = 0
    sk_app_hash: bytes = b""


def _ec_point(curve_name: str, expected: str, curve: ec.EllipticCurve, point: bytes) -> ec.EllipticCurvePublicKey:
    if curve_name != expected:
        raise SshSigError("ECDSA key curve does not match its algorithm name")
    size = (curve.key_size + 7) // 8
    # OpenSSH only accepts uncompressed points.
    if len(point) != 1 + 2 * size or point[0] != 0x04:
        raise SshSigError("ECDSA key is not an uncompressed curve point")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError:
        raise SshSigError("ECDSA key is not a valid curve point") from None


@functools.lru_cache(maxsize=1024)
def _verifier(blob: bytes) -> _Verifier:
    """Parse and validate a key blob once; cached per blob for fast repeated verification."""
    r = _Reader(blob, "public key")
    algo = r.text()
    public = PublicKey(algo, blob)
    if algo == _ED25519 or algo == _SK_ED25519:
        raw = r.string()
        app = r.string() if algo == _SK_ED25519 else b""
        r.end()
        if len(raw) != 32:
            raise SshSigError("Ed25519 key has the wrong length")
        try:
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise SshSigError("invalid Ed25519 key") from None
        if algo == _ED25519:
            return _Verifier(public, "ed25519", key)
        return _Verifier(public, "sk-ed25519", key, sk_app_hash=hashlib.sha256(app).digest())
    if algo in _ECDSA or algo == _SK_ECDSA:
        curve_name, curve, sig_hash = _ECDSA["ecdsa-sha2-nistp256" if algo == _SK_ECDSA else algo]
        key = _ec_point(r.text(), curve_name, curve, r.string())
        app = r.string() if algo == _SK_ECDSA else b""
        r.end()
        if algo == _SK_ECDSA:
            return _Verifier(public, "sk-ecdsa", key, ecdsa_hash=hashes.SHA256(),
                             sk_app_hash=hashlib.sha256(app).digest())
        return _Verifier(public, "ecdsa", key, ecdsa_hash=sig_hash)
    if algo == _RSA:
        e = r.mpint()
        n = r.mpint()
        r.end()
        bits = n.bit_length()
        if bits < _RSA_MIN_BITS:
            raise SshSigError(f"RSA key too small ({bits} bits)")
        if bits > _RSA_MAX_BITS:
            raise SshSigError(f"RSA key too large ({bits} bits)")
        try:
            key = rsa.RSAPublicNumbers(e, n).public_key()
        except (ValueError, UnsupportedAlgorithm):
            raise SshSigError("invalid RSA key") from None
        return _Verifier(public, "rsa", key, rsa_bytes=(bits + 7) // 8)
    if algo.endswith("-cert-v01@openssh.com"):
        raise SshSigError("SSH certificates are not supported")
    raise SshSigError(f"unsupported key type {algo[:40]!r}")


def parse_public_key_blob(blob: bytes, comment: str = "") -> PublicKey:
    """Validate an SSH wire-format key blob and return it as a :class:`PublicKey`."""
    public = _verifier(bytes(blob)).public
    return PublicKey(public.algo, public.blob, comment) if comment else public


def parse_public_key(text: str) -> PublicKey:
    """Parse one OpenSSH public-key line: ``"ssh-ed25519 AAAA... comment"``.

    A ``key::`` prefix (as in git's ``user.signingKey``) is accepted.  Lines
    with authorized_keys options, private keys, certificates, bad base64 and
    blobs whose algorithm differs from the stated one raise :class:`SshSigError`.
    """
    if not isinstance(text, str):
        raise SshSigError("public key must be text")
    line = text.strip()
    if line.startswith("key::"):
        line = line[5:].strip()
    if not line:
        raise SshSigError("empty public key")
    if line.startswith("----"):
        if "PRIVATE KEY" in line:
            raise SshSigError("this is a private key; use the .pub file instead")
        raise SshSigError("not an OpenSSH public-key line (PEM/RFC4716 blocks are not supported)")
    if "\n" in line or "\r" in line:
        raise SshSigError("expected a single public-key line")
    parts = line.split(None, 2)
    algo = parts[0]
    if algo not in KEY_ALGORITHMS:
        if algo.endswith("-cert-v01@openssh.com"):
            raise SshSigError("SSH certificates are not supported")
        if len(parts) > 1 and parts[1] in KEY_ALGORITHMS:
            raise SshSigError("key options (authorized_keys style) are not supported")
        raise SshSigError(f"not an OpenSSH public key (unknown type {algo[:40]!r})")
    if len(parts) < 2:
        raise SshSigError("public key has no key data")
    try:
        blob = base64.b64decode(parts[1].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise SshSigError("public key data is not valid base64") from None
    public = parse_public_key_blob(blob)
    if public.algo != algo:
        raise SshSigError(f"key type {algo!r} does not match the key data ({public.algo!r})")
    comment = parts[2].strip() if len(parts) > 2 else ""
    return PublicKey(public.algo, public.blob, comment)


def load_public_key_file(path: str | os.PathLike) -> PublicKey:
    """Read a ``.pub`` file and parse its first non-empty, non-comment line (``OSError`` if unreadable)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise SshSigError(f"{os.fspath(path)}: not a text file") from None
    if "PRIVATE KEY-----" in text:
        raise SshSigError(f"{os.fspath(path)}: this is a private key; use the .pub file instead")
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return parse_public_key(line)
    raise SshSigError(f"{os.fspath(path)}: no public key found")


# --------------------------------------------------------------------------- private keys

_OPENSSH_BEGIN = b"-----BEGIN OPENSSH PRIVATE KEY-----"
_OPENSSH_END = b"-----END OPENSSH PRIVATE KEY-----"
_OPENSSH_MAGIC = b"openssh-key-v1\x00"


def _openssh_cipher(data: bytes) -> str:
    """The cipher name stored in an ``openssh-key-v1`` file ("none" when unencrypted)."""
    start = data.index(_OPENSSH_BEGIN) + len(_OPENSSH_BEGIN)
    stop = data.find(_OPENSSH_END, start)
    if stop < 0:
        raise SshSigError("truncated OpenSSH private key")
    try:
        raw = base64.b64decode(b"".join(data[start:stop].split()), validate=True)
    except (binascii.Error, ValueError):
        raise SshSigError("OpenSSH private key is not valid base64") from None
    if not raw.startswith(_OPENSSH_MAGIC):
        raise SshSigError("not an openssh-key-v1 private key")
    r = _Reader(raw[len(_OPENSSH_MAGIC):], "private key")
    try:
        return r.string().decode("ascii")
    except UnicodeDecodeError:
        raise SshSigError("malformed OpenSSH private key") from None


def _check_private(key: object) -> PrivateKey:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < _RSA_MIN_BITS:
            raise SshSigError(f"RSA key too small ({key.key_size} bits)")
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        if any(isinstance(key.curve, type(c)) for _, c, _ in _ECDSA.values()):
            return key
        raise SshSigError(f"unsupported ECDSA curve {key.curve.name}")
    raise SshSigError(f"unsupported private key type {type(key).__name__}")


def load_private_key(path: str | os.PathLike, password: bytes | None = None) -> PrivateKey:
    """Load an SSH private key file for :func:`sign`.

    Accepts OpenSSH-format keys (``-----BEGIN OPENSSH PRIVATE KEY-----``) and
    PEM keys (PKCS#1 / SEC1 / PKCS#8) of type Ed25519, ECDSA P-256/384/521 or
    RSA.  Returns the ``cryptography`` private-key object.  An encrypted key
    without ``password`` raises :class:`KeyEncrypted`; a wrong password or an
    unreadable key raises :class:`SshSigError`; a missing file raises
    ``OSError``.  (Decrypting OpenSSH-format keys additionally needs the
    ``bcrypt`` package installed; without it a passphrase-protected OpenSSH
    key raises :class:`SshSigError` even with the right passphrase.)
    """
    with open(path, "rb") as fh:
        data = fh.read()
    name = os.fspath(path)
    try:
        if _OPENSSH_BEGIN in data:
            cipher = _openssh_cipher(data)
            if cipher != "none" and password is None:
                raise KeyEncrypted(f"{name}: private key is encrypted; a passphrase is needed")
            key = serialization.load_ssh_private_key(data, password if cipher != "none" else None)
        elif b"-----BEGIN " in data and b"PRIVATE KEY-----" in data:
            encrypted = b"ENCRYPTED" in data
            if encrypted and password is None:
                raise KeyEncrypted(f"{name}: private key is encrypted; a passphrase is needed")
            key = serialization.load_pem_private_key(data, password if encrypted else None)
        else:
            raise SshSigError(f"{name}: not a private key file")
    except SshSigError:
        raise
    except UnsupportedAlgorithm as exc:
        if "bcrypt" in str(exc):
            raise SshSigError(f"{name}: decrypting this key needs the 'bcrypt' package") from None
        raise SshSigError(f"{name}: unsupported private key type") from None
    except (ValueError, TypeError):
        raise SshSigError(f"{name}: cannot read private key (wrong passphrase or corrupt file)") from None
    return _check_private(key)


def public_key_of(private_key: PrivateKey) -> PublicKey:
    """The :class:`PublicKey` belonging to a private key from :func:`load_private_key`."""
    key = _check_private(private_key)
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return parse_public_key(line.decode("ascii"))


# --------------------------------------------------------------------------- signing


def _signed_data(namespace: bytes, hash_alg: bytes, digest: bytes) -> bytes:
    # Reserved is always empty: ssh-keygen signs and verifies with an empty
    # reserved field whatever the signature object carries.
    return b"".join((_MAGIC, _string(namespace), b"\x00\x00\x00\x00", _string(hash_alg), _string(digest)))


def _armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i:i + _LINE] for i in range(0, len(b64), _LINE)]
    return "\n".join((_BEGIN.decode(), *lines, _END.decode())) + "\n"


def sign(private_key: PrivateKey, message: bytes, namespace: str = "git", hash_alg: str = "sha512") -> str:
    """Sign ``message`` and return the armored signature, byte-identical in form to ssh-keygen's.

    RSA keys sign with ``rsa-sha2-512``; ECDSA keys with the curve's hash
    (P-256: SHA-256, P-384: SHA-384, P-521: SHA-512).  ``hash_alg`` is the
    message hash inside the SSHSIG envelope (``"sha512"`` like ssh-keygen, or
    ``"sha256"``).
    """
    if hash_alg not in _HASHERS:
        raise ValueError(f"hash_alg must be one of {', '.join(HASH_ALGORITHMS)}")
    if not isinstance(namespace, str) or not namespace:
        raise ValueError("namespace must be a non-empty string")
    key = _check_private(private_key)
    public = public_key_of(key)
    ns = namespace.encode("utf-8")
    alg = hash_alg.encode("ascii")
    data = _signed_data(ns, alg, _HASHERS[hash_alg](message).digest())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        sig = _string(_ED25519.encode()) + _string(key.sign(data))
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        sig_hash = _ECDSA[public.algo][2]
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(sig_hash)))
        sig = _string(public.algo.encode()) + _string(_mpint(r) + _mpint(s))
    else:
        raw = key.sign(data, padding.PKCS1v15(), hashes.SHA512())
        sig = _string(b"rsa-sha2-512") + _string(raw)
    blob = b"".join((_MAGIC, _U32.pack(_VERSION), _string(public.blob), _string(ns),
                     b"\x00\x00\x00\x00", _string(alg), _string(sig)))
    return _armor(blob)


# --------------------------------------------------------------------------- verification

_WS = b" \t\r\n"


def _dearmor(signature: str | bytes) -> bytes:
    """Decode the ``-----BEGIN SSH SIGNATURE-----`` armor to the raw SSHSIG blob."""
    if isinstance(signature, str):
        try:
            signature = signature.encode("ascii")
        except UnicodeEncodeError:
            raise SshSigError("signature armor contains non-ASCII characters") from None
    elif not isinstance(signature, (bytes, bytearray, memoryview)):
        raise SshSigError("signature must be str or bytes")
    text = bytes(signature).strip(_WS)
    if not text.startswith(_BEGIN):
        raise SshSigError("missing '-----BEGIN SSH SIGNATURE-----' header")
    if not text.endswith(_END):
        raise SshSigError("missing or misplaced '-----END SSH SIGNATURE-----' footer")
    body = text[len(_BEGIN):-len(_END)]
    if body[:1] not in (b"\n", b"\r"):
        raise SshSigError("malformed signature header line")
    body = body.translate(None, _WS)
    try:
        return binascii.a2b_base64(body, strict_mode=True)
    except (binascii.Error, ValueError):
        raise SshSigError("signature body is not valid base64") from None


def _check_signature(v: _Verifier, sig: bytes, data: bytes, require_user_presence: bool) -> None:
    """Verify the SSH-encoded ``sig`` over ``data`` with key ``v``; BadSignature if it fails."""
    r = _Reader(sig, "signature")
    sig_algo = r.text()
    kind = v.kind
    try:
        if kind == "ed25519":
            if sig_algo != _ED25519:
                raise BadSignature(f"signature algorithm {sig_algo[:40]!r} does not match the key")
            raw = r.string()
            r.end()
            if len(raw) != 64:
                raise SshSigError("Ed25519 signature has the wrong length")
            v.key.verify(raw, data)
        elif kind == "ecdsa":
            if sig_algo != v.public.algo:
                raise BadSignature(f"signature algorithm {sig_algo[:40]!r} does not match the key")
            inner = _Reader(r.string(), "ECDSA signature")
            r.end()
            rr, ss = inner.mpint(), inner.mpint()
            inner.end()
            v.key.verify(encode_dss_signature(rr, ss), data, ec.ECDSA(v.ecdsa_hash))
        elif kind == "rsa":
            sig_hash = _RSA_SIG_HASHES.get(sig_algo)
            if sig_hash is None:
                if sig_algo == _RSA:
                    raise BadSignature("RSA signatures with SHA-1 (ssh-rsa) are not accepted")
                raise BadSignature(f"signature algorithm {sig_algo[:40]!r} does not match the key")
            raw = r.string()
            r.end()
            if len(raw) > v.rsa_bytes:
                raise SshSigError("RSA signature longer than the key modulus")
            v.key.verify(raw.rjust(v.rsa_bytes, b"\x00"), data, padding.PKCS1v15(), sig_hash)
        else:  # FIDO (sk-*) keys
            if sig_algo != v.public.algo:
                raise BadSignature(f"signature algorithm {sig_algo[:40]!r} does not match the key")
            raw = r.string()
            flags = r.u8()
            counter = r.u32()
            r.end()
            if require_user_presence and not flags & _SK_USER_PRESENT:
                raise BadSignature("security key signature lacks the user-presence flag")
            signed = v.sk_app_hash + bytes((flags,)) + _U32.pack(counter) + hashlib.sha256(data).digest()
            if kind == "sk-ed25519":
                if len(raw) != 64:
                    raise SshSigError("Ed25519 signature has the wrong length")
                v.key.verify(raw, signed)
            else:
                inner = _Reader(raw, "ECDSA signature")
                rr, ss = inner.mpint(), inner.mpint()
                inner.end()
                v.key.verify(encode_dss_signature(rr, ss), signed, ec.ECDSA(v.ecdsa_hash))
    except InvalidSignature:
        raise BadSignature("signature does not match the message") from None
    except (ValueError, OverflowError):  # cryptography rejecting out-of-range values
        raise BadSignature("signature does not match the message") from None


def verify(signature: str | bytes, message: bytes, namespace: str = "git", *,
           require_user_presence: bool = False) -> PublicKey:
    """Verify an armored SSH signature over ``message`` in ``namespace``.

    Returns the signer's :class:`PublicKey` (comment empty) when the signature
    is cryptographically valid.  Raises :class:`BadSignature` for a wrong
    message, namespace, key or signature, and plain :class:`SshSigError` for
    malformed armor or structure (see the module docstring).  Accepts
    ``rsa-sha2-256`` / ``rsa-sha2-512`` but, like ssh-keygen, not SHA-1
    ``ssh-rsa`` signatures.  FIDO (``sk-*``) signatures made without a touch
    are accepted, as ``ssh-keygen -Y verify`` (and so git) accepts them; pass
    ``require_user_presence=True`` to reject them with :class:`BadSignature`.

    Unlike ssh-keygen, a version other than 1 and anything but whitespace
    around the armor are rejected.
    """
    blob = _dearmor(signature)
    r = _Reader(blob, "signature")
    if blob[:6] != _MAGIC:
        raise SshSigError("not an SSH signature (bad magic)")
    r.pos = 6
    version = r.u32()
    if version != _VERSION:
        raise SshSigError(f"unsupported SSH signature version {version}")
    key_blob = r.string()
    got_namespace = r.string()
    r.string()  # reserved: ignored, as ssh-keygen does
    hash_alg = r.string()
    sig = r.string()
    r.end()
    hasher = _HASHERS.get(hash_alg.decode("latin-1"))
    if hasher is None:
        raise SshSigError(f"unsupported hash algorithm {hash_alg[:20]!r}")
    v = _verifier(key_blob)
    expected = namespace.encode("utf-8")
    if got_namespace != expected:
        raise BadSignature(f"signature namespace {got_namespace[:40].decode('utf-8', 'replace')!r} "
                           f"is not {namespace!r}")
    data = _signed_data(expected, hash_alg, hasher(message).digest())
    _check_signature(v, sig, data, require_user_presence)
    return v.public
