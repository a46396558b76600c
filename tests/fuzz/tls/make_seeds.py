#!/usr/bin/env python3
"""Writes the seed corpus of record_reader_fuzz: valid record streams under the
fuzz target's fixed keys (see fixed_keys() there), sealed with pyca/cryptography
(Debian: python3-cryptography), so the fuzzer starts from records that open.
Run from this directory: ./make_seeds.py"""
import os
import struct
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

KEY = bytes(range(1, 33))
IV = bytes(range(0xA0, 0xAC))
SECRET = bytes(range(0x40, 0x70))


def expand_label(h, secret, label, length):
    full = b"tls13 " + label
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    return HKDFExpand(algorithm=h, length=length, info=info).derive(secret)


class Direction:
    def __init__(self, tls13, aes256):
        self.tls13, self.seq = tls13, 0
        self.key = KEY[: 32 if aes256 else 16]
        self.iv = IV
        self.hash = hashes.SHA384() if aes256 else hashes.SHA256()
        self.secret = SECRET[: 48 if aes256 else 32]

    def key_update(self):
        n = len(self.secret)
        self.secret = expand_label(self.hash, self.secret, b"traffic upd", n)
        self.key = expand_label(self.hash, self.secret, b"key", len(self.key))
        self.iv = expand_label(self.hash, self.secret, b"iv", 12)
        self.seq = 0

    def seal(self, ctype, content, pad=0):
        aead = AESGCM(self.key)
        if self.tls13:
            inner = content + bytes([ctype]) + bytes(pad)
            hdr = bytes([23, 3, 3]) + struct.pack(">H", len(inner) + 16)
            nonce = bytes(a ^ b for a, b in zip(self.iv, self.seq.to_bytes(12, "big")))
            rec = hdr + aead.encrypt(nonce, inner, hdr)
        else:
            explicit = self.seq.to_bytes(8, "big")
            hdr = bytes([ctype, 3, 3]) + struct.pack(">H", 8 + len(content) + 16)
            aad = self.seq.to_bytes(8, "big") + bytes([ctype, 3, 3]) + struct.pack(">H", len(content))
            rec = hdr + explicit + aead.encrypt(self.iv[:4] + explicit, content, aad)
        self.seq += 1
        return rec


def seed(name, flags, seg, records):
    with open(os.path.join("corpus", "record_reader", name), "wb") as f:
        f.write(bytes([flags, seg, 0x5A]) + b"".join(records))


d = Direction(True, False)
recs = [d.seal(23, b"hello"), d.seal(23, bytes(range(256)) + bytes(44), pad=5),
        d.seal(22, bytes([24, 0, 0, 1, 1]))]
d.key_update()
recs += [d.seal(23, b"after the key update"), d.seal(21, bytes([1, 0]))]
seed("tls13_aes128_keyupdate", 0x01, 0, recs)
seed("tls13_aes128_keyupdate_cut7", 0x01, 7, recs)

d = Direction(True, True)
seed("tls13_aes256_cut3", 0x03, 3, [d.seal(23, b"x" * 700), d.seal(23, b""), d.seal(21, bytes([2, 40]))])

d = Direction(False, False)
seed("tls12_aes128_renegotiation", 0x00, 0,
     [d.seal(23, b"data"), d.seal(22, bytes([1, 0, 0, 2, 3])), d.seal(22, bytes([3])),
      d.seal(21, bytes([1, 100])), d.seal(23, b""), d.seal(21, bytes([1, 0]))])

d = Direction(False, True)
seed("tls12_aes256_cut1_client", 0x06, 1, [d.seal(23, b"y" * 90), d.seal(22, bytes([0, 0, 0, 0])),
                                           d.seal(23, b"z" * 20)])

d = Direction(True, False)
bad = bytearray(d.seal(23, b"tampered"))
bad[-1] ^= 1
seed("tls13_bad_tag", 0x01, 0, [bytes(bad)])


# Structured inputs (flags bit 3): chunks [type][padding][length(2)][content],
# sealed by the fuzz target itself.
def chunk(ctype, content, pad=0):
    return bytes([ctype, pad]) + struct.pack(">H", len(content)) + content


seed("structured_tls13", 0x09, 5,
     [chunk(23, b"data", 3), chunk(22, bytes([24, 0, 0, 1, 1])), chunk(23, b"more"), chunk(21, bytes([1, 90])),
      chunk(0, b"", 2), chunk(21, bytes([1, 0]))])
seed("structured_tls12_client", 0x0C, 0,
     [chunk(23, b"data"), chunk(22, bytes([0, 0, 0, 0])), chunk(21, bytes([1, 0]))])
