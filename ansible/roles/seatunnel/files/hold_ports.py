"""Holds TCP ports open for the seatunnel preflight, so other hosts can check they reach them.

Usage: python3 -c "$(cat hold_ports.py)" SECONDS CONNECTIONS PORT...

Binds every PORT on all interfaces (exit 1 naming the port if one is in use), then accepts
connections until each port has had CONNECTIONS of them or SECONDS have passed, and exits 0.
Passed inline with -c, so nothing is left on the host.
"""
import selectors
import socket
import sys
import time


def main(argv):
    seconds, wanted = float(argv[0]), int(argv[1])
    ports = [int(p) for p in argv[2:]]
    sel = selectors.DefaultSelector()
    seen = {}
    for port in ports:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
        except OSError as e:
            print(f"port {port} is in use ({e.strerror}): stop what listens on it "
                  f"(ss -ltnp 'sport = :{port}') or choose another port", file=sys.stderr)
            return 1
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, port)
        seen[port] = 0
    deadline = time.monotonic() + seconds
    while min(seen.values()) < wanted:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        for key, _ in sel.select(timeout=left):
            conn, _ = key.fileobj.accept()
            conn.close()
            seen[key.data] += 1
    print(" ".join(f"{p}:{n}" for p, n in sorted(seen.items())))
    return 0


sys.exit(main(sys.argv[1:]))
