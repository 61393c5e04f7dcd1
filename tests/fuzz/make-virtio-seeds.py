#!/usr/bin/env python3
"""make-virtio-seeds.py [CORPUS_DIR]

Write well-formed seed inputs for the virtio fuzz targets (see the input
formats at the top of fuzz_virtq.c, fuzz_virtio_mmio.c and fuzz_virtio_blk.c):
  fuzz_virtq/        rings holding direct and indirect chains
  fuzz_virtio_mmio/  a full driver handshake, a queue, a request and a kick
  fuzz_virtio_blk/   the same for virtio-blk: every request type, rw and ro disks
  fuzz_virtio_console/ the multiport handshake, input, output, escape, a bad message
  fuzz_virtio_vsock/ guest and host connects, data, credit, shutdown, bad packets
  fuzz_vsock_conn/   packet and event sequences for the vsock connection logic
  fuzz_vsock_connect/ CONNECT lines, good and bad
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


# fuzz_virtio_blk: byte 0 picks the disk (0 writable, 1 read-only), then
# the same records as fuzz_virtio_mmio.  Queue of 8 at 0x1000/0x2000/0x3000;
# request header at 0x8000, data at 0x9000, status at 0xa000, discard /
# write-zeroes segments at 0xb000, an indirect table at 0xc000.
BLK_F = {"seg_max": 2, "ro": 5, "blk_size": 6, "flush": 9, "discard": 13, "write_zeroes": 14}
T_IN, T_OUT, T_FLUSH, T_GET_ID, T_DISCARD, T_WRITE_ZEROES = 0, 1, 4, 8, 11, 13


def blk_handshake(read_only):
    names = ["seg_max", "blk_size", "flush"] + (["ro"] if read_only else ["discard", "write_zeroes"])
    lo = (1 << 28) | (1 << 29)
    for n in names:
        lo |= 1 << BLK_F[n]
    out = rec(0, 0x070, 0) + rec(0, 0x070, 1) + rec(0, 0x070, 3)
    out += rec(0, 0x024, 0) + rec(0, 0x020, lo) + rec(0, 0x024, 1) + rec(0, 0x020, 1)
    out += rec(0, 0x070, 11)
    out += rec(0, 0x030, 0) + rec(1, 0x034, 0) + rec(0, 0x038, 8)
    out += rec(0, 0x080, 0x1000) + rec(0, 0x090, 0x2000) + rec(0, 0x0a0, 0x3000)
    out += rec(0, 0x044, 1) + rec(0, 0x070, 15) + rec(3, 0, 0)
    # the whole configuration space, 4 bytes at a time
    for off in range(0, 60, 4):
        out += rec(1, 0x100 + off, 0)
    return out


def blk_desc(table, i, addr, length, flags, nxt=0):
    base = table + 16 * i
    return (mem32(base, addr) + mem32(base + 4, 0) + mem32(base + 8, length)
            + mem32(base + 12, flags | (nxt << 16)))


class BlkQueue:
    """Publishes chains on the 8-entry queue, one request at a time."""

    def __init__(self):
        self.idx = 0

    def submit(self, chain, indirect=False):
        out = b""
        if indirect:
            for i, (addr, length, flags) in enumerate(chain):
                last = i == len(chain) - 1
                out += blk_desc(0xc000, i, addr, length, flags | (0 if last else NEXT), 0 if last else i + 1)
            out += blk_desc(0x1000, 0, 0xc000, 16 * len(chain), INDIRECT)
        else:
            for i, (addr, length, flags) in enumerate(chain):
                last = i == len(chain) - 1
                out += blk_desc(0x1000, i, addr, length, flags | (0 if last else NEXT), 0 if last else i + 1)
        slot = self.idx % 8
        word = 0x2004 + 4 * (slot // 2)
        out += mem32(word, 0)  # head 0 in both entries of this word
        self.idx += 1
        out += mem32(0x2000, self.idx << 16)
        return out + rec(0, 0x050, 0) + rec(3, 0, 0) + rec(1, 0x060, 0) + rec(0, 0x064, 1)


def blk_header(rtype, sector):
    return mem32(0x8000, rtype) + mem32(0x8004, 0) + mem32(0x8008, sector & 0xffffffff) + mem32(0x800c, sector >> 32)


def blk_segment(k, sector, count, flags):
    base = 0xb000 + 16 * k
    return mem32(base, sector) + mem32(base + 4, 0) + mem32(base + 8, count) + mem32(base + 12, flags)


def blk_io(q, rtype, sector, length, data_flags, indirect=False):
    out = blk_header(rtype, sector)
    chain = [(0x8000, 16, 0)]
    if length:
        chain.append((0x9000, length, data_flags))
    chain.append((0xa000, 1, WRITE))
    return out + q.submit(chain, indirect)


blk = os.path.join(corpus, "fuzz_virtio_blk")

q = BlkQueue()
seq = blk_handshake(False)
seq += mem32(0x9000, 0x12345678) + mem32(0x91fc, 0x9abcdef0)
seq += blk_io(q, T_OUT, 1, 1024, 0)
seq += blk_io(q, T_IN, 1, 1024, WRITE)
seq += blk_io(q, T_FLUSH, 0, 0, 0)
seq += blk_io(q, T_GET_ID, 0, 20, WRITE)
seq += blk_segment(0, 8, 8, 0) + blk_header(T_DISCARD, 0)
seq += q.submit([(0x8000, 16, 0), (0xb000, 16, 0), (0xa000, 1, WRITE)])
seq += blk_segment(0, 16, 4, 1) + blk_segment(1, 100, 20, 0) + blk_header(T_WRITE_ZEROES, 0)
seq += q.submit([(0x8000, 16, 0), (0xb000, 32, 0), (0xa000, 1, WRITE)])
seq += blk_io(q, 2, 0, 0, 0)  # an unknown type
seq += blk_io(q, T_IN, 127, 1024, WRITE)  # past the end
write(os.path.join(blk, "rw-requests"), bytes([0]) + seq)

q = BlkQueue()
seq = blk_handshake(False)
seq += blk_header(T_OUT, 3)
seq += q.submit([(0x8000, 8, 0), (0x8008, 8, 0), (0x9000, 100, 0), (0x9100, 412, 0), (0xa000, 1, WRITE)],
                indirect=True)
seq += blk_header(T_IN, 3)
seq += q.submit([(0x8000, 16, 0), (0x9000, 300, WRITE), (0x9200, 213, WRITE)], indirect=True)
write(os.path.join(blk, "rw-indirect-split"), bytes([0]) + seq)

q = BlkQueue()
seq = blk_handshake(True)
seq += blk_io(q, T_IN, 0, 512, WRITE)
seq += blk_io(q, T_OUT, 0, 512, 0)  # read-only: IOERR
seq += blk_io(q, T_GET_ID, 0, 20, WRITE)
seq += blk_io(q, T_FLUSH, 0, 0, 0)
write(os.path.join(blk, "ro-requests"), bytes([1]) + seq)

q = BlkQueue()
seq = blk_handshake(False)
seq += blk_header(T_IN, 0)
seq += q.submit([(0x8000, 15, 0), (0x9000, 513, WRITE)])  # short header: needs a reset
seq += rec(1, 0x070, 0) + rec(0, 0x070, 0)
write(os.path.join(blk, "short-header"), bytes([0]) + seq)


# fuzz_virtio_console: the records of fuzz_virtio_mmio without the device
# byte, plus op 6 (the terminal: type bytes, or drain the output).  Ports 0
# (the terminal) and 2 (named), so eight queues of 8 entries, queue q at
# 0x1000 + 0x400 * q (descriptors; available ring at +0x100, used ring at
# +0x200); buffers from 0x8000.  The driver does what Linux's does.
CON_F_MULTIPORT = 1 << 1
CON_RING = (1 << 28) | (1 << 29)  # indirect descriptors, event index
CON_DEVICE_READY, CON_PORT_READY, CON_PORT_OPEN = 0, 3, 6
CON_BAD_ID = 0xFFFFFFFF


class ConsoleDriver:
    """Builds a console fuzz input, keeping a copy of guest memory."""

    def __init__(self):
        self.mem = bytearray(0x10000)
        self.out = b""
        self.avail = [0] * 8
        self.next_desc = [0] * 8
        self.brk = 0x8000

    def store(self, gpa, fmt, *vals):
        struct.pack_into(fmt, self.mem, gpa, *vals)
        for word in range(gpa & ~3, gpa + struct.calcsize(fmt), 4):
            self.out += mem32(word, struct.unpack_from("<I", self.mem, word)[0])

    def start(self, features_lo):
        self.out += rec(0, 0x070, 0) + rec(0, 0x070, 1) + rec(0, 0x070, 3)
        self.out += rec(0, 0x024, 0) + rec(0, 0x020, features_lo)
        self.out += rec(0, 0x024, 1) + rec(0, 0x020, 1) + rec(0, 0x070, 11)
        for q in range(8):
            base = 0x1000 + 0x400 * q
            self.out += rec(0, 0x030, q) + rec(1, 0x034, 0) + rec(0, 0x038, 8)
            self.out += rec(0, 0x080, base) + rec(0, 0x090, base + 0x100)
            self.out += rec(0, 0x0A0, base + 0x200) + rec(0, 0x044, 1)
        self.out += rec(0, 0x070, 15) + rec(3, 0, 0) + rec(1, 0x104, 0)

    def buf(self, size, data=b""):
        gpa = self.brk
        self.brk += (size + 15) & ~15
        if data:
            self.store(gpa, "%ds" % len(data), data)
        return gpa

    def add(self, q, bufs):
        """Publish one chain of (gpa, length, writable) buffers on queue q."""
        base = 0x1000 + 0x400 * q
        head = i = self.next_desc[q]
        for k, (gpa, length, writable) in enumerate(bufs):
            last = k == len(bufs) - 1
            nxt = (i + 1) % 8
            flags = (WRITE if writable else 0) | (0 if last else NEXT)
            self.store(base + 16 * i, "<QIHH", gpa, length, flags, 0 if last else nxt)
            i = nxt
        self.next_desc[q] = i
        self.store(base + 0x104 + 2 * (self.avail[q] % 8), "<H", head)
        self.avail[q] += 1
        self.store(base + 0x102, "<H", self.avail[q] & 0xFFFF)

    def kick(self, q):
        self.out += rec(0, 0x050, q) + rec(3, 0, 0)

    def send(self, q, data):
        self.add(q, [(self.buf(len(data), data), len(data), False)])
        self.kick(q)

    def ctrl(self, port, event, value):
        self.send(3, struct.pack("<IHH", port, event, value))

    def receive_buffers(self, q, n, size):
        for _ in range(n):
            self.add(q, [(self.buf(size), size, True)])
        self.kick(q)

    def type(self, text):
        for k in range(0, len(text), 4):
            chunk = text[k:k + 4]
            self.out += rec(6, 2 * (len(chunk) - 1), struct.unpack("<I", chunk.ljust(4, b"\0"))[0])
        self.out += rec(3, 0, 0)

    def drain_output(self):
        self.out += rec(6, 1, 0) + rec(3, 0, 0)


con = os.path.join(corpus, "fuzz_virtio_console")

# The whole Linux handshake, then input, output on both ports and an emergency write.
drv = ConsoleDriver()
drv.start(CON_F_MULTIPORT | CON_RING)
drv.receive_buffers(2, 4, 64)
drv.ctrl(CON_BAD_ID, CON_DEVICE_READY, 1)
drv.ctrl(0, CON_PORT_READY, 1)
drv.ctrl(0, CON_PORT_OPEN, 1)
drv.ctrl(2, CON_PORT_READY, 1)
drv.receive_buffers(2, 4, 64)
drv.receive_buffers(0, 2, 32)
drv.type(b"ls -l\r")
drv.send(1, b"hello from port 0\n")
drv.ctrl(2, CON_PORT_OPEN, 1)
drv.send(7, b"port 2, to /dev/null\n")
drv.send(5, b"port 1 has no backend\n")
drv.out += rec(4, 0x108, ord("X"))
drv.ctrl(2, CON_PORT_OPEN, 0)
write(os.path.join(con, "handshake"), drv.out)

# A driver without multiport: port 0 only, open from the start.
drv = ConsoleDriver()
drv.start(CON_RING)
drv.receive_buffers(0, 1, 16)
drv.type(b"abc")
drv.send(1, b"legacy output\n")
write(os.path.join(con, "legacy"), drv.out)

# Output larger than the terminal pipe: the device waits, then carries on.
drv = ConsoleDriver()
drv.start(CON_F_MULTIPORT)
for _ in range(3):
    size = 2000
    drv.add(1, [(drv.buf(size, bytes(range(256)) * 7 + bytes(208)), size, False)])
drv.kick(1)
drv.drain_output()
drv.drain_output()
write(os.path.join(con, "full-output"), drv.out)

# The escape: Ctrl-A Ctrl-A passes one Ctrl-A, Ctrl-A x ends the VM.
drv = ConsoleDriver()
drv.start(CON_RING)
drv.receive_buffers(0, 2, 16)
drv.type(b"a\x01\x01b\x01xz")
write(os.path.join(con, "escape"), drv.out)

# A control message shorter than its header: the device needs a reset.
drv = ConsoleDriver()
drv.start(CON_F_MULTIPORT | CON_RING)
drv.send(3, b"\x01\x02\x03\x04")
drv.out += rec(1, 0x070, 0) + rec(0, 0x070, 0)
write(os.path.join(con, "short-control"), drv.out)


# fuzz_virtio_vsock: the records of fuzz_virtio_mmio without the device
# byte; op 3 also has the host accept the guest's connections and write to
# them, op 6 is a host client sending "CONNECT <value % 2048>\n", op 7
# closes a host socket.  Guest CID 3; a host listener at port 1024.  Three
# queues of 8 entries, queue q at 0x1000 + 0x400 * q (descriptors;
# available ring at +0x100, used ring at +0x200); buffers from 0x8000.
VSOCK_HDR = "<QQIIIHHIII"  # 44 bytes
V_REQUEST, V_RESPONSE, V_RST, V_SHUTDOWN, V_RW, V_CREDIT_UPDATE, V_CREDIT_REQUEST = range(1, 8)


def vsock_hdr(op, src_port, dst_port, length=0, flags=0, buf_alloc=262144, fwd_cnt=0,
              src_cid=3, dst_cid=2, sock_type=1):
    return struct.pack(VSOCK_HDR, src_cid, dst_cid, src_port, dst_port, length, sock_type, op,
                       flags, buf_alloc, fwd_cnt)


class VsockDriver(ConsoleDriver):
    """A vsock fuzz input: the console driver's rings, three queues."""

    def start(self, features_lo=CON_RING):
        self.out += rec(0, 0x070, 0) + rec(0, 0x070, 1) + rec(0, 0x070, 3)
        self.out += rec(0, 0x024, 0) + rec(0, 0x020, features_lo)
        self.out += rec(0, 0x024, 1) + rec(0, 0x020, 1) + rec(0, 0x070, 11)
        for q in range(3):
            base = 0x1000 + 0x400 * q
            self.out += rec(0, 0x030, q) + rec(1, 0x034, 0) + rec(0, 0x038, 8)
            self.out += rec(0, 0x080, base) + rec(0, 0x090, base + 0x100)
            self.out += rec(0, 0x0A0, base + 0x200) + rec(0, 0x044, 1)
        self.out += rec(0, 0x070, 15) + rec(3, 0, 0) + rec(1, 0x100, 0)

    def packet(self, hdr, payload=b""):
        chain = [(self.buf(len(hdr), hdr), len(hdr), False)]
        if payload:
            chain.append((self.buf(len(payload), payload), len(payload), False))
        self.add(1, chain)
        self.kick(1)

    def run_host(self, nbytes):
        self.out += rec(3, 0, nbytes)


vs = os.path.join(corpus, "fuzz_virtio_vsock")

# The guest connects to the host listener, data both ways, credit, shutdown.
drv = VsockDriver()
drv.start()
drv.receive_buffers(0, 6, 44 + 256)
drv.packet(vsock_hdr(V_REQUEST, 2000, 1024))
drv.run_host(100)
drv.packet(vsock_hdr(V_RW, 2000, 1024, 16), b"0123456789abcdef")
drv.packet(vsock_hdr(V_CREDIT_REQUEST, 2000, 1024))
drv.packet(vsock_hdr(V_CREDIT_UPDATE, 2000, 1024, buf_alloc=65536, fwd_cnt=100))
drv.packet(vsock_hdr(V_SHUTDOWN, 2000, 1024, flags=3))
drv.packet(vsock_hdr(V_REQUEST, 2001, 4242))  # nobody listens: RST
drv.run_host(0)
write(os.path.join(vs, "guest-connect"), drv.out)

# A host client connects; the guest answers the first allocated port.
drv = VsockDriver()
drv.start()
drv.receive_buffers(0, 4, 44 + 4096)
drv.out += rec(6, 0, 52) + rec(3, 0, 0)
drv.packet(vsock_hdr(V_RESPONSE, 52, 0x40000000))
drv.packet(vsock_hdr(V_RW, 52, 0x40000000, 4), b"pong")
drv.out += rec(7, 0, 0) + rec(3, 0, 0)
drv.packet(vsock_hdr(V_RST, 52, 0x40000000))
drv.out += rec(6, 1, 53) + rec(3, 0, 0)  # a broken line
write(os.path.join(vs, "host-connect"), drv.out)

# Bad packets: another CID, a short header, a length beyond the payload.
drv = VsockDriver()
drv.start(0)
drv.receive_buffers(0, 2, 44 + 64)
drv.packet(vsock_hdr(V_REQUEST, 2002, 1024, src_cid=4))
drv.packet(vsock_hdr(V_REQUEST, 2002, 1024)[:40])
drv.packet(vsock_hdr(V_RW, 2002, 1024, 1000), b"short")
drv.packet(vsock_hdr(V_REQUEST, 2003, 1024, sock_type=2))
write(os.path.join(vs, "bad-packets"), drv.out)


# fuzz_vsock_conn: byte 0 (bit 0: host-initiated), then 16-byte records:
# event, op, type, flags, then three little-endian words (len or count,
# buf_alloc, fwd_cnt).
def conn_rec(event, op=0, sock_type=1, flags=0, n=0, buf_alloc=65536, fwd_cnt=0):
    return struct.pack("<BBBBIII", event, op, sock_type, flags, n, buf_alloc, fwd_cnt)


cn = os.path.join(corpus, "fuzz_vsock_conn")
seq = (conn_rec(6) + conn_rec(0, V_RW, n=1000) + conn_rec(4, n=600) + conn_rec(3, n=5000)
       + conn_rec(0, V_CREDIT_UPDATE, fwd_cnt=3000) + conn_rec(3, n=70000)
       + conn_rec(0, V_CREDIT_REQUEST) + conn_rec(6) + conn_rec(0, V_SHUTDOWN, flags=2)
       + conn_rec(4, n=400) + conn_rec(7) + conn_rec(5, 1) + conn_rec(6) + conn_rec(6))
write(os.path.join(cn, "guest-connect-close"), bytes([0]) + seq)
seq = (conn_rec(6) + conn_rec(0, V_RESPONSE, buf_alloc=4096) + conn_rec(3, n=4096)
       + conn_rec(0, V_RW, n=65536) + conn_rec(0, V_RW, n=65536) + conn_rec(0, V_RW, n=65536)
       + conn_rec(0, V_RW, n=65536) + conn_rec(0, V_RW, n=1) + conn_rec(6))
write(os.path.join(cn, "host-connect-overrun"), bytes([1]) + seq)
seq = conn_rec(6) + conn_rec(0, V_RST) + conn_rec(6) + conn_rec(5, 2)
write(os.path.join(cn, "refused"), bytes([1]) + seq)
seq = (conn_rec(6) + conn_rec(0, V_SHUTDOWN, flags=1) + conn_rec(7) + conn_rec(5, 1)
       + conn_rec(0, V_RW, sock_type=2, n=10) + conn_rec(6))
write(os.path.join(cn, "shutdown-rcv"), bytes([0]) + seq)


# fuzz_vsock_connect: what host clients send first.
cl = os.path.join(corpus, "fuzz_vsock_connect")
for name, data in [("plain", b"CONNECT 52\n"), ("lower-and-data", b"connect 1024\nhello"),
                   ("leading-zeros", b"CONNECT 0004294967295\n"), ("too-big", b"CONNECT 4294967296\n"),
                   ("partial", b"CONNE"), ("long", b"CONNECT " + b"0" * 60 + b"1\n"),
                   ("garbage", b"GET / HTTP/1.1\r\n"), ("nul", b"CONNECT 5\0\n")]:
    write(os.path.join(cl, name), data)
