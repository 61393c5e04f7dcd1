#!/usr/bin/env python3
"""make-binder-seeds.py [CORPUS_DIR]

Write small, valid inputs as fuzzing seeds for the binder targets:
  CORPUS_DIR/fuzz_parcel/     parcels of every type, with the reads to make
  CORPUS_DIR/fuzz_rpc_frame/  RPC Binder streams (protocol version 1): frames
                              alone, a client's side of a session, a server's
  CORPUS_DIR/fuzz_vm_parcelables/  VirtualMachineConfig and VirtualMachineInfo
                              (lib/aidl/ivirtualizationservice.h)
CORPUS_DIR defaults to the corpus directory next to this script.  The
layouts are those of lib/binder (docs/binder.md); the input formats are
described at the top of tests/fuzz/fuzz_parcel.c and fuzz_rpc_frame.c.
"""
import os
import struct
import sys

DESCRIPTOR = "fuzz.IService"


def i32(v):
    return struct.pack("<i", v)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def s16(s):
    units = s.encode("utf-16-le")
    return i32(len(units) // 2) + pad(units + b"\0\0")


def s8(s):
    b = s.encode()
    return i32(len(b)) + pad(b + b"\0")


def byte_array(b):
    return i32(len(b)) + pad(b)


def binder(address, stability=0x0C):
    return i32(1) + u64(address) + i32(stability)


def null_binder():
    return i32(0) + i32(0)


def address(options, ident):
    return options | ident << 32


# ---------------------------------------------------------------- RPC frames

def header(command, body):
    return u32(command) + u32(len(body)) + u32(0) * 2 + body


def transact(addr, code, parcel=b"", flags=0, async_number=0, objects=()):
    body = u64(addr) + u32(code) + u32(flags) + u64(async_number) + u32(len(parcel))
    body += u32(0) * 3 + parcel + b"".join(u32(o) for o in objects)
    return header(0, body)


def reply(status, parcel=b""):
    return header(1, i32(status) + u32(len(parcel)) + u32(0) * 3 + parcel)


def dec_strong(addr, amount):
    return header(2, u64(addr) + u32(amount) + u32(0))


def connection_header(options=0, fd_mode=0, session_id=b""):
    return u32(1) + bytes([options, fd_mode]) + b"\0" * 8 + struct.pack("<H", len(session_id)) + session_id


CCI = b"cci\0" + b"\0" * 4
ROOT = address(3, 0)         # the server's first object: CREATED | FOR_SERVER, id 0
CLIENT_OBJ = address(1, 0)   # the client's first object: CREATED, id 0
TOKEN = s16(DESCRIPTOR)


def parcel_seeds():
    # byte 0: number of reads; then the reads; then the fd byte; then data
    def seed(ops, data, fd_byte=0):
        return bytes([len(ops)] + ops + [fd_byte]) + data

    return {
        "scalars": seed([0, 1, 2, 3], i32(7) + struct.pack("<q", -1) + struct.pack("<d", 1.5) + i32(1)),
        "strings": seed([5, 4, 6, 5], s16("h\u00e9llo \u20ac") + s16("abc") + s8("xyz") + s16("\U0001F600")),
        "arrays": seed([7, 8, 9, 10, 11], byte_array(b"\x01\x02\x03") + i32(2) + i32(5) + i32(-6) +
                       i32(1) + struct.pack("<q", 1 << 40) + i32(2) + i32(0x41) + i32(0x20AC) +
                       i32(3) + i32(1) + i32(0) + i32(1)),
        "status-parcelable": seed([14, 15, 0], i32(-8) + s16("no") + i32(0) + i32(-3) +
                                  i32(12) + i32(1) + i32(2) + i32(99)),
        "reply-header": seed([14, 0], i32(-128) + i32(8) + i32(0) + i32(5)),
        "fd": seed([13], i32(1) + i32(0) + i32(2) + i32(0), 0x80 | 2),
        "binders": seed([12, 12], null_binder() + binder(1)),
        "token": seed([16, 0, 17], TOKEN + i32(4)),
    }


def frame_seeds():
    args1 = TOKEN + i32(42) + s16("hi") + byte_array(b"abc")
    client_hello = connection_header() + CCI
    setup = (transact(0, 1) + transact(0, 2) + transact(0, 0))
    server_setup = (u32(1) + u32(0) +
                    reply(0, i32(1)) +
                    reply(0, byte_array(bytes(range(32)))) +
                    reply(0, binder(ROOT)))
    return {
        "frames": b"\x00" + transact(0, 0) + dec_strong(ROOT, 1) + reply(0, i32(1)) +
                  transact(ROOT, 1, i32(4), objects=[0]),
        "server-calls": b"\x01" + client_hello + setup +
                        transact(ROOT, 1, args1) +
                        transact(ROOT, 2, TOKEN + binder(CLIENT_OBJ)) +
                        transact(ROOT, 4, TOKEN) +
                        dec_strong(ROOT, 2),
        "server-nested": b"\x01" + client_hello + transact(0, 0) +
                         transact(ROOT, 5, TOKEN + binder(CLIENT_OBJ)) +
                         # the server asks our object its interface, then calls it
                         reply(0, s16(DESCRIPTOR)) + dec_strong(CLIENT_OBJ, 1) +
                         reply(0, i32(5)),
        "server-oneway": b"\x01" + client_hello + transact(0, 0) +
                         transact(ROOT, 1, args1, flags=1, async_number=1) +
                         transact(ROOT, 1, args1, flags=1, async_number=0) +
                         transact(ROOT, 3, TOKEN + i32(0) + i32(0)),
        "server-fd-mode": b"\x01" + connection_header(fd_mode=1) + CCI + setup,
        "client": b"\x02" + server_setup +
                  dec_strong(ROOT, 1) + reply(0, s16(DESCRIPTOR)) +
                  dec_strong(ROOT, 1) + reply(0) +
                  dec_strong(ROOT, 1) + reply(0, binder(ROOT) + i32(7)),
        "client-callback": b"\x02" + server_setup +
                           transact(CLIENT_OBJ, 1, TOKEN) + reply(0, s16(DESCRIPTOR)),
    }


def vm_parcelable_seeds():
    # byte 0: 1 config, 0 info; byte 1: fd objects (fuzz_vm_parcelables.c); data
    def parcelable(fields):
        return i32(4 + len(fields)) + fields

    def pfd():  # present, no comm channel, fd object (type 2) number n
        return i32(1) + i32(0) + i32(2)

    config = lambda inst, name, path, mem, cpus, debug, timeout: parcelable(
        pfd() + i32(0) + (pfd() + i32(1) if inst else i32(0)) + s16(name) + s16(path) +
        i32(mem) + i32(cpus) + i32(debug) + i32(timeout))
    info = parcelable(i32(3) + s16("demo") + i32(5) + i32(14) + i32(-1) + i32(0) + i32(3) +
                      s16("vm_config.json: unknown key") + i32(0) + i32(256) + i32(1) +
                      s16("/tmp/demo.pkg") + s16("/run/microdroid/vms/3") + struct.pack("<q", 1700000000000))
    return {
        "config": b"\x01" + bytes([0x80 | 3]) + config(False, "demo", "/tmp/demo.pkg", 256, 1, 0, 0),
        "config-instance": b"\x01" + bytes([0xC0 | 3]) + config(True, "", "x.pkg", 0, 2, 1, 60000),
        "config-bad-name": b"\x01" + bytes([0x80 | 3]) + config(False, "-x", "p", 64, 1, 0, 0),
        "info": b"\x00\x00" + info,
    }


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
    for target, seeds in (("fuzz_parcel", parcel_seeds()), ("fuzz_rpc_frame", frame_seeds()),
                          ("fuzz_vm_parcelables", vm_parcelable_seeds())):
        d = os.path.join(corpus, target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
