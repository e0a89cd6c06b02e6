"""Print a base port B such that B .. B+N-1 (N = argv[1], default 1) are free
on 127.0.0.1 now and lie below the kernel's ephemeral range, so that no
outgoing connection of a test running beside this one takes one of them
before the server that wants it starts (bind(0) gives an ephemeral port,
and B+1 then may be in use a moment later)."""
import os
import random
import socket
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1
lo = 32768
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        lo = int(f.read().split()[0])
except OSError:
    pass
rng = random.Random(os.getpid())
top = min(lo, 32000) - n
for _ in range(2000):
    base = rng.randrange(10000, top)
    socks = []
    try:
        for p in range(base, base + n):
            s = socket.socket()
            s.bind(("127.0.0.1", p))
            socks.append(s)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(base)
    sys.exit(0)
sys.exit("free_ports.py: no %d consecutive free ports below %d" % (n, lo))
