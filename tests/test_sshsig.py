"""In-process SSHSIG signing/verification, cross-checked against ssh-keygen and git."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from tracker.store import sshsig
from tracker.store.sshsig import BadSignature, KeyEncrypted, PublicKey, SshSigError

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen not installed")

KEY_TYPES = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa256": ["-t", "ecdsa", "-b", "256"],
    "ecdsa384": ["-t", "ecdsa", "-b", "384"],
    "ecdsa521": ["-t", "ecdsa", "-b", "521"],
    "rsa": ["-t", "rsa", "-b", "2048"],
}
MESSAGE = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nhello \xe4\xbd\xa0\xe5\xa5\xbd\n"


# --------------------------------------------------------------------------- helpers


def _run(args, *, input: bytes | None = None, cwd: Path | None = None, env: dict | None = None):
    return subprocess.run(args, input=input, cwd=cwd, env=env, capture_output=True, timeout=60)


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _mpint(value: int) -> bytes:
    raw = value.to_bytes(value.bit_length() // 8 + 1, "big") if value else b""
    return _string(raw)


def _armor(blob: bytes) -> str:
    """Independent re-implementation of ssh-keygen's armor (for crafted signatures)."""
    b64 = base64.b64encode(blob).decode()
    lines = [b64[i:i + 70] for i in range(0, len(b64), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----\n"


def _dearmor(text: str) -> bytes:
    return base64.b64decode("".join(text.strip().splitlines()[1:-1]))


def _fields(blob: bytes) -> dict:
    """Split a decoded SSHSIG blob into its fields."""
    assert blob[:6] == b"SSHSIG"
    pos, out = 10, {}
    for name in ("publickey", "namespace", "reserved", "hash", "signature"):
        (n,) = struct.unpack(">I", blob[pos:pos + 4])
        out[name] = blob[pos + 4:pos + 4 + n]
        pos += 4 + n
    assert pos == len(blob)
    out["version"] = blob[6:10]
    return out


def _build(f: dict) -> bytes:
    return (b"SSHSIG" + f.get("version", b"\x00\x00\x00\x01") + _string(f["publickey"]) + _string(f["namespace"])
            + _string(f["reserved"]) + _string(f["hash"]) + _string(f["signature"]))


def _signed_data(message: bytes, namespace: bytes = b"git", hash_alg: str = "sha512") -> bytes:
    digest = hashlib.new(hash_alg, message).digest()
    return b"SSHSIG" + _string(namespace) + _string(b"") + _string(hash_alg.encode()) + _string(digest)


class Key:
    """A throwaway key pair made by ssh-keygen, with helpers that shell out to it."""

    def __init__(self, path: Path):
        self.path = path
        self.pub_path = path.with_name(path.name + ".pub")
        self.public = sshsig.load_public_key_file(self.pub_path)
        self.private = sshsig.load_private_key(path)

    def keygen_sign(self, message: bytes, namespace: str = "git") -> str:
        p = _run(["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(self.path)], input=message)
        assert p.returncode == 0, p.stderr
        return p.stdout.decode()

    def keygen_verify(self, sig: str, message: bytes, namespace: str = "git", public: PublicKey | None = None,
                      options: str = "") -> subprocess.CompletedProcess:
        d = self.path.parent
        (d / "sig").write_text(sig)
        opts = f'namespaces="{namespace}"' + (f",{options}" if options else "")
        (d / "allowed").write_text(f"id@example {opts} {(public or self.public).openssh()}\n")
        return _run(["ssh-keygen", "-Y", "verify", "-f", str(d / "allowed"), "-I", "id@example", "-n", namespace,
                     "-s", str(d / "sig")], input=message)

    def keygen_check(self, sig: str, message: bytes, namespace: str = "git") -> subprocess.CompletedProcess:
        d = self.path.parent
        (d / "sig").write_text(sig)
        return _run(["ssh-keygen", "-Y", "check-novalidate", "-n", namespace, "-s", str(d / "sig")], input=message)


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> dict[str, Key]:
    out = {}
    for name, args in KEY_TYPES.items():
        d = tmp_path_factory.mktemp(name)
        p = _run(["ssh-keygen", "-q", *args, "-N", "", "-C", f"{name}@example", "-f", str(d / "key")])
        assert p.returncode == 0, p.stderr
        out[name] = Key(d / "key")
    return out


@pytest.fixture(scope="module")
def other_key(tmp_path_factory) -> Key:
    d = tmp_path_factory.mktemp("other")
    assert _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "key")]).returncode == 0
    return Key(d / "key")


# --------------------------------------------------------------------------- interoperability


@pytest.mark.parametrize("kt", KEY_TYPES)
def test_our_signature_accepted_by_ssh_keygen(keys, kt):
    key = keys[kt]
    sig = sshsig.sign(key.private, MESSAGE)
    assert sig.startswith("-----BEGIN SSH SIGNATURE-----\n") and sig.endswith("\n-----END SSH SIGNATURE-----\n")
    assert all(len(line) <= 70 for line in sig.splitlines())
    p = key.keygen_verify(sig, MESSAGE)
    assert p.returncode == 0, p.stderr
    assert b'Good "git" signature for id@example' in p.stdout
    p = key.keygen_check(sig, MESSAGE)
    assert p.returncode == 0, p.stderr
    # and ssh-keygen notices tampering with our signature too
    assert key.keygen_verify(sig, MESSAGE + b"x").returncode != 0
    assert sshsig.verify(sig, MESSAGE) == key.public


@pytest.mark.parametrize("kt", KEY_TYPES)
def test_ssh_keygen_signature_accepted_by_us(keys, kt):
    key = keys[kt]
    sig = key.keygen_sign(MESSAGE)
    got = sshsig.verify(sig, MESSAGE)
    assert got == sshsig.parse_public_key(key.pub_path.read_text())
    assert hash(got) == hash(key.public)
    lf = _run(["ssh-keygen", "-lf", str(key.pub_path)]).stdout.decode().split()
    assert got.fingerprint == lf[1]
    assert got.openssh() == " ".join(key.pub_path.read_text().split()[:2])
    assert sshsig.verify(sig.encode(), MESSAGE) == got  # bytes accepted too


@pytest.mark.parametrize("kt", ["ed25519", "rsa"])
def test_deterministic_signatures_identical_to_ssh_keygen(keys, kt):
    # Ed25519 and RSA PKCS#1 v1.5 are deterministic, so the armored text must match byte for byte.
    key = keys[kt]
    assert sshsig.sign(key.private, MESSAGE) == key.keygen_sign(MESSAGE)


@pytest.mark.parametrize("kt", ["ed25519", "ecdsa256", "rsa"])
def test_sha256_envelope_and_other_namespace(keys, kt):
    key = keys[kt]
    sig = sshsig.sign(key.private, MESSAGE, namespace="file", hash_alg="sha256")
    assert _fields(_dearmor(sig))["hash"] == b"sha256"
    assert key.keygen_verify(sig, MESSAGE, namespace="file").returncode == 0
    assert sshsig.verify(sig, MESSAGE, namespace="file") == key.public
    with pytest.raises(BadSignature):
        sshsig.verify(sig, MESSAGE)  # namespace "git"


def test_signature_algorithms_on_the_wire(keys):
    algos = {kt: _string_at(_fields(_dearmor(sshsig.sign(k.private, b"m")))["signature"]) for kt, k in keys.items()}
    assert algos == {"ed25519": b"ssh-ed25519", "ecdsa256": b"ecdsa-sha2-nistp256",
                     "ecdsa384": b"ecdsa-sha2-nistp384", "ecdsa521": b"ecdsa-sha2-nistp521",
                     "rsa": b"rsa-sha2-512"}


def _string_at(data: bytes, pos: int = 0) -> bytes:
    (n,) = struct.unpack(">I", data[pos:pos + 4])
    return data[pos + 4:pos + 4 + n]


def test_rsa_sha2_256_accepted_and_sha1_rejected(keys):
    key = keys["rsa"]
    data = _signed_data(MESSAGE)
    fields = _fields(_dearmor(sshsig.sign(key.private, MESSAGE)))
    for algo, h in ((b"rsa-sha2-256", hashes.SHA256()), (b"ssh-rsa", hashes.SHA1())):
        raw = key.private.sign(data, padding.PKCS1v15(), h)
        sig = _armor(_build({**fields, "signature": _string(algo) + _string(raw)}))
        if algo == b"ssh-rsa":
            with pytest.raises(BadSignature, match="SHA-1"):
                sshsig.verify(sig, MESSAGE)
            assert key.keygen_verify(sig, MESSAGE).returncode != 0  # ssh-keygen agrees
        else:
            assert sshsig.verify(sig, MESSAGE) == key.public
            assert key.keygen_verify(sig, MESSAGE).returncode == 0


# --------------------------------------------------------------------------- rejection


@pytest.mark.parametrize("kt", KEY_TYPES)
def test_tampering_and_wrong_namespace_are_bad_signatures(keys, other_key, kt):
    key = keys[kt]
    sig = sshsig.sign(key.private, MESSAGE)
    with pytest.raises(BadSignature):
        sshsig.verify(sig, MESSAGE + b" ")
    with pytest.raises(BadSignature):
        sshsig.verify(sig, MESSAGE[:-1] + b"!")
    with pytest.raises(BadSignature):
        sshsig.verify(sig, MESSAGE, namespace="file")
    # signature made by another key, with this key's public key swapped in
    mine, theirs = _fields(_dearmor(sig)), _fields(_dearmor(sshsig.sign(other_key.private, MESSAGE)))
    with pytest.raises(BadSignature):
        sshsig.verify(_armor(_build({**mine, "signature": theirs["signature"]})), MESSAGE)
    with pytest.raises(BadSignature):
        sshsig.verify(_armor(_build({**theirs, "publickey": mine["publickey"]})), MESSAGE)
    # a signature over another message, spliced in
    other = _fields(_dearmor(sshsig.sign(key.private, b"other message")))
    with pytest.raises(BadSignature):
        sshsig.verify(_armor(_build({**mine, "signature": other["signature"]})), MESSAGE)
    # namespace edited inside the signature object
    with pytest.raises(BadSignature):
        sshsig.verify(_armor(_build({**mine, "namespace": b"file"})), MESSAGE, namespace="file")
    # hash algorithm switched in the envelope
    with pytest.raises(BadSignature):
        sshsig.verify(_armor(_build({**mine, "hash": b"sha256"})), MESSAGE)


def test_malformed_armor_raises_sshsig_error(keys):
    sig = sshsig.sign(keys["ed25519"].private, MESSAGE)
    lines = sig.splitlines()
    blob = _dearmor(sig)
    f = _fields(blob)
    bad = [
        "", "   ", "garbage", "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
        sig[: len(sig) // 2],                        # truncated text
        "\n".join(lines[:-1]),                       # no footer
        "\n".join(lines[1:]),                        # no header
        "\n".join([lines[0], *lines[2:]]),           # a body line missing
        sig.replace("-----BEGIN SSH SIGNATURE-----", "-----BEGIN PGP SIGNATURE-----"),
        sig.replace(lines[1], lines[1][:-3] + "!!!"),
        sig.replace(lines[1], lines[1] + "é"),
        sig + "trailing text\n",
        _armor(blob[:-1]),                           # truncated blob
        _armor(blob + b"\x00"),                      # trailing data
        _armor(b"SSHSIF" + blob[6:]),                # wrong magic
        _armor(_build({**f, "version": b"\x00\x00\x00\x02"})),
        _armor(_build({**f, "hash": b"sha1"})),
        _armor(_build({**f, "publickey": b"\x00\x00\x00\x07ssh-dss"})),
        _armor(b""),
        _armor(b"SSHSIG"),
    ]
    for text in bad:
        with pytest.raises(SshSigError):
            sshsig.verify(text, MESSAGE)
    with pytest.raises(SshSigError):
        sshsig.verify(b"\xff\xfe", MESSAGE)
    # surrounding whitespace and CRLF line endings are fine
    assert sshsig.verify("\n  " + sig.replace("\n", "\r\n") + "\n\n", MESSAGE) == keys["ed25519"].public


def _expect_sshsig_error(text: str, message: bytes = MESSAGE) -> None:
    try:
        sshsig.verify(text, message)
    except SshSigError:
        return
    except Exception as exc:  # pragma: no cover - this is the failure being tested for
        pytest.fail(f"{type(exc).__name__} escaped verify(): {exc}")
    pytest.fail("a corrupted signature verified")


@pytest.mark.parametrize("kt", KEY_TYPES)
def test_fuzz_byte_flips_only_raise_sshsig_errors(keys, kt):
    blob = _dearmor(sshsig.sign(keys[kt].private, MESSAGE))
    rng = random.Random(f"sshsig-{kt}")
    # every position once, with a random non-zero xor mask
    for pos in range(len(blob)):
        mutated = bytearray(blob)
        mutated[pos] ^= rng.randrange(1, 256)
        _expect_sshsig_error(_armor(bytes(mutated)))
    # a few hundred multi-byte corruptions and truncations
    for _ in range(150):
        mutated = bytearray(blob)
        for _ in range(rng.randrange(2, 6)):
            mutated[rng.randrange(len(blob))] ^= rng.randrange(1, 256)
        _expect_sshsig_error(_armor(bytes(mutated)))
        _expect_sshsig_error(_armor(blob[: rng.randrange(len(blob))]))
        _expect_sshsig_error(_armor(rng.randbytes(rng.randrange(200))))


def test_fuzz_length_fields_with_huge_values(keys):
    blob = _dearmor(sshsig.sign(keys["rsa"].private, MESSAGE))
    for pos in range(6, len(blob) - 4):
        for value in (0, 1, 0x7FFFFFFF, 0xFFFFFFFF):
            mutated = blob[:pos] + struct.pack(">I", value) + blob[pos + 4:]
            if mutated != blob:
                _expect_sshsig_error(_armor(mutated))


# --------------------------------------------------------------------------- git


def test_commit_signed_by_git_verifies(keys, tmp_path):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    key = keys["ed25519"]
    repo = tmp_path / "repo"
    env = {**os.environ, "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    assert _run(["git", "init", "-q", str(repo)], env=env).returncode == 0
    p = _run(["git", "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.path}", "-c", "user.name=Signer",
              "-c", "user.email=signer@example", "commit", "-q", "-S", "--allow-empty", "-m", "signed msg\n\n正文"],
             cwd=repo, env=env)
    assert p.returncode == 0, p.stderr
    raw = _run(["git", "cat-file", "commit", "HEAD"], cwd=repo, env=env).stdout

    header, _, body = raw.partition(b"\n\n")
    payload_lines, sig_lines, in_sig = [], [], False
    for line in header.split(b"\n"):
        if line.startswith(b"gpgsig "):
            in_sig = True
            sig_lines.append(line[len(b"gpgsig "):])
        elif in_sig and line.startswith(b" "):
            sig_lines.append(line[1:])
        else:
            in_sig = False
            payload_lines.append(line)
    assert sig_lines, raw
    signature = b"\n".join(sig_lines) + b"\n"
    payload = b"\n".join(payload_lines) + b"\n\n" + body

    assert sshsig.verify(signature, payload) == key.public
    assert sshsig.verify(signature.decode(), payload, namespace="git").fingerprint == key.public.fingerprint
    for pos in (0, len(payload) // 2, len(payload) - 1):
        flipped = bytearray(payload)
        flipped[pos] ^= 0x01
        with pytest.raises(BadSignature):
            sshsig.verify(signature, bytes(flipped))
    # and a commit object signed in-process verifies with git itself
    our_sig = sshsig.sign(key.private, payload)
    assert key.keygen_verify(our_sig, payload).returncode == 0


# --------------------------------------------------------------------------- FIDO (sk-*) keys


def _sk_case(kind: str, flags: int):
    app = b"ssh:"
    if kind == "ed25519":
        algo = b"sk-ssh-ed25519@openssh.com"
        priv = ed25519.Ed25519PrivateKey.generate()
        raw_pub = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pub_blob = _string(algo) + _string(raw_pub) + _string(app)
    else:
        algo = b"sk-ecdsa-sha2-nistp256@openssh.com"
        priv = ec.generate_private_key(ec.SECP256R1())
        point = priv.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
        pub_blob = _string(algo) + _string(b"nistp256") + _string(point) + _string(app)
    counter = 42
    signed = (hashlib.sha256(app).digest() + bytes([flags]) + struct.pack(">I", counter)
              + hashlib.sha256(_signed_data(MESSAGE)).digest())
    if kind == "ed25519":
        inner = _string(priv.sign(signed))
    else:
        r, s = decode_dss_signature(priv.sign(signed, ec.ECDSA(hashes.SHA256())))
        inner = _string(_mpint(r) + _mpint(s))
    sig = _string(algo) + inner + bytes([flags]) + struct.pack(">I", counter)
    text = _armor(_build({"publickey": pub_blob, "namespace": b"git", "reserved": b"", "hash": b"sha512",
                          "signature": sig}))
    public = sshsig.parse_public_key(f"{algo.decode()} {base64.b64encode(pub_blob).decode()} fido")
    return text, public


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa"])
def test_security_key_signatures(keys, kind):
    helper = keys["ed25519"]  # only used for its temp dir and ssh-keygen helpers
    text, public = _sk_case(kind, flags=0x01)
    assert sshsig.verify(text, MESSAGE) == public
    assert helper.keygen_verify(text, MESSAGE, public=public).returncode == 0
    with pytest.raises(BadSignature):
        sshsig.verify(text, MESSAGE + b"x")

    # Made without a touch (keys created with -O no-touch-required): ssh-keygen -Y verify, and so
    # git, accepts these, and so do we by default; the stricter policy is opt-in.
    assert sshsig.verify(text, MESSAGE, require_user_presence=True) == public
    untouched, public = _sk_case(kind, flags=0x00)
    assert helper.keygen_verify(untouched, MESSAGE, public=public).returncode == 0
    assert sshsig.verify(untouched, MESSAGE) == public
    with pytest.raises(BadSignature, match="user-presence"):
        sshsig.verify(untouched, MESSAGE, require_user_presence=True)


# --------------------------------------------------------------------------- keys


def test_parse_public_key_accepts_variants(keys):
    key = keys["ed25519"]
    line = key.pub_path.read_text().strip()
    pk = sshsig.parse_public_key(line)
    assert pk.algo == "ssh-ed25519" and pk.comment == "ed25519@example"
    assert sshsig.parse_public_key("key::" + line) == pk
    assert sshsig.parse_public_key("  " + pk.openssh() + "\n") == pk
    assert sshsig.parse_public_key(pk.openssh()).comment == ""
    # comment is not part of identity
    assert PublicKey(pk.algo, pk.blob, "a") == PublicKey(pk.algo, pk.blob, "b")
    assert len({PublicKey(pk.algo, pk.blob, "a"), PublicKey(pk.algo, pk.blob, "b")}) == 1
    assert str(pk) == line
    for kt in ("ecdsa256", "ecdsa384", "ecdsa521", "rsa"):
        k = keys[kt]
        assert sshsig.parse_public_key(k.pub_path.read_text()) == sshsig.public_key_of(k.private) == k.public
    assert sshsig.parse_public_key_blob(pk.blob) == pk


def test_parse_public_key_rejects_bad_input(keys, other_key):
    ed = keys["ed25519"].public
    rsa_b64 = keys["rsa"].public.openssh().split()[1]
    ed_b64 = ed.openssh().split()[1]
    bad = [
        "", "   \n", "key::", "ssh-ed25519", "ssh-ed25519 !!!", "ssh-ed25519 AAAA", "ssh-ed25519 " + ed_b64[:-8],
        "ssh-rsa " + ed_b64,                                 # algo name does not match blob
        "ecdsa-sha2-nistp384 " + keys["ecdsa256"].public.openssh().split()[1],
        "ssh-ed25519 " + rsa_b64,
        'no-pty,command="x" ' + ed.openssh(),               # authorized_keys options
        "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
        "ssh-ed25519-cert-v01@openssh.com " + ed_b64,
        "hello world",
        keys["ed25519"].path.read_text(),                   # private key pasted by mistake
        "-----BEGIN OPENSSH PRIVATE KEY-----",
        ed.openssh() + "\n" + ed.openssh(),
        "ssh-ed25519 " + base64.b64encode(ed.blob + b"\x00").decode(),  # trailing data in blob
    ]
    for text in bad:
        with pytest.raises(SshSigError):
            sshsig.parse_public_key(text)
    with pytest.raises(SshSigError, match="private key"):
        sshsig.parse_public_key(keys["ed25519"].path.read_text())
    with pytest.raises(SshSigError, match="does not match"):
        sshsig.parse_public_key("ssh-rsa " + ed_b64)
    with pytest.raises(SshSigError, match="private key"):
        sshsig.load_public_key_file(keys["ed25519"].path)


def test_load_public_key_file_skips_comments(keys, tmp_path):
    p = tmp_path / "k.pub"
    p.write_text("# my key\n\n" + keys["rsa"].pub_path.read_text())
    assert sshsig.load_public_key_file(p) == keys["rsa"].public
    (tmp_path / "empty.pub").write_text("# nothing\n")
    with pytest.raises(SshSigError):
        sshsig.load_public_key_file(tmp_path / "empty.pub")


def test_load_private_key_errors(tmp_path):
    assert _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "secret", "-f", str(tmp_path / "enc")]).returncode == 0
    with pytest.raises(KeyEncrypted):
        sshsig.load_private_key(tmp_path / "enc")
    with pytest.raises(SshSigError):  # wrong password, or bcrypt not installed
        sshsig.load_private_key(tmp_path / "enc", password=b"wrong")
    with pytest.raises(SshSigError):
        sshsig.load_private_key(tmp_path / "enc.pub")
    (tmp_path / "junk").write_bytes(b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")
    with pytest.raises(SshSigError):
        sshsig.load_private_key(tmp_path / "junk")
    # PEM keys (as made by ssh-keygen -m PEM) work too
    assert _run(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f", str(tmp_path / "pem")]).returncode == 0
    pem = sshsig.load_private_key(tmp_path / "pem")
    assert sshsig.public_key_of(pem) == sshsig.load_public_key_file(tmp_path / "pem.pub")
    assert _run(["ssh-keygen", "-q", "-t", "ecdsa", "-m", "PEM", "-N", "secret",
                 "-f", str(tmp_path / "pemenc")]).returncode == 0
    with pytest.raises(KeyEncrypted):
        sshsig.load_private_key(tmp_path / "pemenc")
    assert sshsig.public_key_of(sshsig.load_private_key(tmp_path / "pemenc", b"secret")) == \
        sshsig.load_public_key_file(tmp_path / "pemenc.pub")


def test_sign_argument_checks(keys):
    with pytest.raises(ValueError):
        sshsig.sign(keys["ed25519"].private, MESSAGE, hash_alg="sha1")
    with pytest.raises(ValueError):
        sshsig.sign(keys["ed25519"].private, MESSAGE, namespace="")
    with pytest.raises(SshSigError):
        sshsig.sign(ec.generate_private_key(ec.SECP256K1()), MESSAGE)


def test_key_objects_are_cached(keys):
    key = keys["ecdsa256"]
    sig = sshsig.sign(key.private, MESSAGE)
    sshsig.verify(sig, MESSAGE)
    before = sshsig._verifier.cache_info().hits
    for _ in range(5):
        sshsig.verify(sig, MESSAGE)
    assert sshsig._verifier.cache_info().hits >= before + 5
