#!/usr/bin/env python3
"""make-demo-seeds.py [CORPUS_DIR]

Write small, valid requests to the demo payload's IDemoService
(payloads/demo/demo_service.h) as seeds for fuzz_demo_service, in the
input format described at the top of tests/fuzz/fuzz_demo_service.c:
a code byte, then the request's data after the interface token.
CORPUS_DIR defaults to the corpus directory next to this script.
"""
import os
import struct
import sys


def byte_array(data):
    if data is None:
        return struct.pack("<i", -1)
    pad = (-len(data)) % 4
    return struct.pack("<i", len(data)) + data + b"\0" * pad


SEEDS = {
    "public-key": b"\x00",
    "sign": b"\x01" + byte_array(b"hello, payload"),
    "sign-empty": b"\x01" + byte_array(b""),
    "sign-null": b"\x01" + byte_array(None),
    "sign-trailing": b"\x01" + byte_array(b"abc") + struct.pack("<i", 7),
    "sha256": b"\x02" + byte_array(bytes(range(64))),
    "sha256-short": b"\x02" + struct.pack("<i", 100) + b"xy",
    "unknown": b"\x03" + byte_array(b"?"),
}


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    out = os.path.join(top, "fuzz_demo_service")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
