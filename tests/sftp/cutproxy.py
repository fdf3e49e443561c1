#!/usr/bin/env python3
"""cutproxy.py - a TCP proxy that breaks the connection after N bytes.

    python3 tests/sftp/cutproxy.py LISTEN_PORT TARGET_PORT N MODE [COUNT]

Listens on 127.0.0.1:LISTEN_PORT, prints "ready" once it does, and
forwards each connection to 127.0.0.1:TARGET_PORT.  Once N bytes have
passed (both directions counted), MODE says what happens:
  cut    close both sides at once (the peer sees a reset / EOF);
  stall  stop forwarding and keep both sockets open, silent, until the
         client goes away (the client must time out).
COUNT says which bytes count towards N: both (the default), up (client
to server only) or down (server to client only); counting one direction
puts the cut inside an upload or a download.  When CUTPROXY_LOG names a
file, each connection appends "up U down D ms T stalled S" to it when
it ends: bytes forwarded each way, milliseconds from accept to the end,
and from the stall to the end (-1 when it did not stall) -- how long a
client waited on a silent server before it gave up, measured here so
that the client's start-up does not count.
When CUTPROXY_FIRST=K is set, only the first K connections are broken;
later ones pass everything (a fault that a retry cures).
Runs until killed.  Used by tests/unit/test_sftp.c and
tests/e2e/sftp.sh.
"""
import os
import select
import socket
import sys
import threading
import time


def serve(client, target_port, limit, mode, count):
    server = socket.create_connection(("127.0.0.1", target_port))
    passed = 0
    moved = {"up": 0, "down": 0}
    began = time.monotonic()
    stalled = None
    socks = [client, server]
    try:
        while True:
            ready, _, _ = select.select(socks, [], [])
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                way = "up" if s is client else "down"
                counted = count in ("both", way)
                room = limit - passed if counted else len(data) + 1
                out = server if s is client else client
                if len(data) >= room:
                    if room > 0:
                        out.sendall(data[:room])
                        moved[way] += room
                    passed = limit
                    if mode == "cut":
                        return
                    # stall: read and drop until the client leaves
                    stalled = time.monotonic()
                    while client.recv(65536):
                        pass
                    return
                out.sendall(data)
                moved[way] += len(data)
                if counted:
                    passed += len(data)
    except OSError:
        pass
    finally:
        log = os.environ.get("CUTPROXY_LOG")
        if log:
            with open(log, "a") as f:
                end = time.monotonic()
                f.write("up %d down %d ms %d stalled %d\n" % (
                    moved["up"], moved["down"], (end - began) * 1000,
                    (end - stalled) * 1000 if stalled else -1))
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    if (len(sys.argv) not in (5, 6) or sys.argv[4] not in ("cut", "stall")
            or sys.argv[5:] not in ([], ["both"], ["up"], ["down"])):
        sys.stderr.write(__doc__)
        sys.exit(2)
    listen_port, target_port, limit = (int(a) for a in sys.argv[1:4])
    mode = sys.argv[4]
    count = sys.argv[5] if len(sys.argv) == 6 else "both"
    first = int(os.environ.get("CUTPROXY_FIRST", "-1"))
    served = 0
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(8)
    print("ready", flush=True)
    while True:
        c, _ = ls.accept()
        served += 1
        cut_at = limit if first < 0 or served <= first else float("inf")
        threading.Thread(target=serve,
                         args=(c, target_port, cut_at, mode, count),
                         daemon=True).start()


if __name__ == "__main__":
    main()
