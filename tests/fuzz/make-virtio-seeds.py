#!/usr/bin/env python3
"""make-virtio-seeds.py [CORPUS_DIR]

Write well-formed seed inputs for the virtio fuzz targets (see the input
formats at the top of fuzz_virtq.c and fuzz_virtio_mmio.c):
  fuzz_virtq/        rings holding direct and indirect chains
  fuzz_virtio_mmio/  a full driver handshake, a queue, a request and a kick
CORPUS_DIR defaults to the corpus directory next to this script.
"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")

NEXT, WRITE, INDIRECT = 1, 2, 4


def desc(mem, table, i, addr, length, flags, nxt):
    struct.pack_into("<QIHH", mem, table + 16 * i, addr, length, flags, nxt)


def ring_seed(log2size, flags, chains, indirect_table=None):
    mem = bytearray(0x10000)
    size = 1 << log2size
    for slot, head in enumerate(chains):
        struct.pack_into("<H", mem, 0x4000 + 4 + 2 * (slot % size), head)
    struct.pack_into("<H", mem, 0x4002, len(chains))
    return mem


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(data))


# fuzz_virtq: a 3-descriptor direct chain, then an indirect one.
mem = ring_seed(3, 0, [0, 4])
desc(mem, 0, 0, 0x8000, 16, NEXT, 1)
desc(mem, 0, 1, 0x8100, 512, NEXT, 2)
desc(mem, 0, 2, 0x8400, 1, WRITE, 0)
desc(mem, 0x9000, 0, 0xa000, 16, NEXT, 1)
desc(mem, 0x9000, 1, 0xa100, 64, WRITE, 0)
desc(mem, 0, 4, 0x9000, 32, INDIRECT, 0)
write(os.path.join(corpus, "fuzz_virtq", "direct-and-indirect"), bytes([3, 3]) + mem[:0xb000])
write(os.path.join(corpus, "fuzz_virtq", "event-idx"), bytes([1, 3]) + mem[:0x9000])


# fuzz_virtio_mmio: records of (op, offset, value).
def rec(op, off, val):
    return struct.pack("<BHI", op, off, val)


def handshake(qsize, desc_gpa, avail_gpa, used_gpa):
    out = rec(0, 0x070, 0) + rec(0, 0x070, 1) + rec(0, 0x070, 3)
    out += rec(0, 0x024, 0) + rec(0, 0x020, (1 << 28) | (1 << 29))
    out += rec(0, 0x024, 1) + rec(0, 0x020, 1)
    out += rec(0, 0x070, 11)
    out += rec(0, 0x030, 0) + rec(1, 0x034, 0) + rec(0, 0x038, qsize)
    out += rec(0, 0x080, desc_gpa) + rec(0, 0x090, avail_gpa) + rec(0, 0x0a0, used_gpa)
    out += rec(0, 0x044, 1) + rec(0, 0x070, 15) + rec(3, 0, 0)
    return out


def mem32(gpa, val):
    return rec(2, gpa // 4, val)


seq = handshake(8, 0x1000, 0x2000, 0x3000)
# descriptor 0: 64 writable bytes at 0x8000
seq += mem32(0x1000, 0x8000) + mem32(0x1004, 0) + mem32(0x1008, 64) + mem32(0x100c, WRITE)
seq += mem32(0x2004, 0) + mem32(0x2000, 1 << 16)  # ring[0] = 0, idx = 1
seq += rec(0, 0x050, 0) + rec(3, 0, 0) + rec(1, 0x060, 0) + rec(0, 0x064, 1)
seq += rec(5, 0x100, 1) + rec(0, 0x070, 0)
write(os.path.join(corpus, "fuzz_virtio_mmio", "rng-request"), bytes([0]) + seq)
