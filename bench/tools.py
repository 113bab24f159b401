"""Load generators for bench/: a fast bulk sender, an echo latency client, and an idle-session holder.
Only 127.0.0.1 is ever contacted; every loop is bounded."""
import os, socket, sys, time, resource

HOST = "127.0.0.1"
MB = 1 << 20


def _zeros():
    """A 1 MiB file of zeros, made once, that the kernel keeps in its page cache."""
    path = os.environ.get("SEND_FILE") or os.path.join(os.environ.get("TMPDIR", "/tmp"), "netlab-bench-zeros")
    if not os.path.exists(path) or os.path.getsize(path) != MB:
        with open(path + ".tmp", "wb") as f:
            f.write(bytes(MB))
        os.replace(path + ".tmp", path)
    return path


def send(port, total, prefix=b"", wait_reply=True, quiet=False):
    """Send `total` bytes in 1 MiB blocks after `prefix`, half-close, read the reply; print seconds and MB/s.
    The blocks go out with sendfile(2) from a page-cached file of zeros (SEND_FILE, made once), as `iperf3 -Z`
    sends: the sender does no copy of its own, so on a 2-core machine it is never the one that limits a sink."""
    s = socket.create_connection((HOST, port))
    source = open(_zeros(), "rb")
    start = time.perf_counter()
    if prefix:
        s.sendall(prefix)
    sent = 0
    while sent < total:
        n = min(MB, total - sent)
        done = 0
        while done < n:
            done += os.sendfile(s.fileno(), source.fileno(), done, n - done)
        sent += n
    source.close()
    s.shutdown(socket.SHUT_WR)
    reply = b""
    if wait_reply:
        s.settimeout(120)
        while chunk := s.recv(65536):
            reply += chunk
    elapsed = time.perf_counter() - start
    s.close()
    if not quiet:
        print(f"{elapsed:.3f} {total / elapsed / 1e6:.1f}")
        sys.stderr.write(reply[-300:].decode("latin1"))


def recv(port, total):
    """The ncat-file path: arm /recv on one connection, send raw on the next, wait for the agent's report."""
    session = socket.create_connection((HOST, port))
    f = session.makefile("rb")
    session.sendall(f"/recv bench.bin {total}\n".encode())
    while b"OK armed" not in (line := f.readline()):
        if not line:
            raise SystemExit("the agent closed before arming")
    start = time.perf_counter()
    send(port, total, wait_reply=True, quiet=True)
    while b"received bench.bin" not in (line := f.readline()):
        if not line or line.startswith(b"ERROR"):
            raise SystemExit(f"no report: {line!r}")
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.3f} {total / elapsed / 1e6:.1f}")
    session.close()


def echo(port, count, setup=b""):
    """`count` request/response round trips of a small line; print p50 and p99 in microseconds."""
    s = socket.create_connection((HOST, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    if setup:
        s.sendall(setup)
        while b"OK echo mode" not in f.readline():
            pass
    line = b"ping 0123456789\n"
    rtts = []
    for _ in range(count):
        t = time.perf_counter_ns()
        s.sendall(line)
        got = f.readline()
        rtts.append(time.perf_counter_ns() - t)
        if not got.startswith(b"ping"):
            raise SystemExit(f"unexpected echo: {got!r}")
    rtts.sort()
    print(f"{rtts[len(rtts) // 2] / 1000:.1f} {rtts[int(len(rtts) * 0.99)] / 1000:.1f}")


def sessions(port, count, pid):
    """Hold `count` idle text sessions, then report the agent's RSS (MB) and a new client's banner wait (ms)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (count + 1000, count + 1000))
    held = []
    for _ in range(count):
        s = socket.socket()
        s.connect((HOST, port))
        held.append(s)
    time.sleep(2.0)  # every session past its sniff window, banner sent
    rss = int(next(l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")).split()[1]) / 1024
    waits, silent = [], []
    for _ in range(5):
        for speaks, out in ((True, waits), (False, silent)):
            s = socket.create_connection((HOST, port))
            t = time.perf_counter()
            if speaks:
                s.sendall(b"/time\n")  # a client that types at once: the sniffer decides on its first line
            data = b""
            while b"Successfully Connected" not in data:
                data += s.recv(4096)
            out.append((time.perf_counter() - t) * 1000)
            s.close()
    waits.sort(); silent.sort()
    open_now = sum(1 for s in held if s.fileno() >= 0)
    print(f"{rss:.1f} {waits[2]:.1f} {silent[2]:.1f} {open_now}")
    for s in held:
        s.close()


if __name__ == "__main__":
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "send":
        send(port, int(sys.argv[3]), sys.argv[4].encode().decode("unicode_escape").encode("latin1") if len(sys.argv) > 4 else b"")
    elif cmd == "recv":
        recv(port, int(sys.argv[3]))
    elif cmd == "echo":
        echo(port, int(sys.argv[3]), sys.argv[4].encode().decode("unicode_escape").encode() if len(sys.argv) > 4 else b"")
    elif cmd == "sessions":
        sessions(port, int(sys.argv[3]), int(sys.argv[4]))
