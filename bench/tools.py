"""Load generators for bench/: a fast bulk sender, an echo latency client, an idle-session holder, the capture filler
(bench/capture-memory: a thousand loopback addresses), and the
hostile internet's floods, pulls and held connections (bench/hostile). The loopback ones contact 127.0.0.1 only;
the hostile ones run inside bench/hostile's client namespace and contact only its host address (198.18.0.0/15),
after bench/hostile has checked with `ip route get` that the way there is its own veth. Every loop is bounded."""
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


def udpflood(host, port, seconds, sources):
    """One socket per source address, each sending 1400-byte datagrams as fast as it can for `seconds`; print
    datagrams sent per second, echoed per second, echoed bytes per second, and bytes out per byte in."""
    import selectors
    sel = selectors.DefaultSelector()
    socks = []
    for src in sources:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((src, 0))
        u.setblocking(False)
        sel.register(u, selectors.EVENT_READ)
        socks.append(u)
    payload = bytes(1400)
    sent = echoed = echoed_bytes = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end and sent < 50_000_000:
        for u in socks:
            try:
                u.sendto(payload, (host, port))
                sent += 1
            except BlockingIOError:
                pass
        for key, _ in sel.select(timeout=0):
            while True:
                try:
                    echoed_bytes += len(key.fileobj.recv(2048))
                    echoed += 1
                except (BlockingIOError, ConnectionRefusedError):
                    break
    drain_end = time.perf_counter() + 1
    while time.perf_counter() < drain_end:
        for key, _ in sel.select(timeout=0.1):
            try:
                echoed_bytes += len(key.fileobj.recv(2048))
                echoed += 1
            except (BlockingIOError, ConnectionRefusedError):
                pass
    print(f"{sent / seconds:.0f} {echoed / seconds:.1f} {echoed_bytes / seconds:.0f} {echoed_bytes / max(1, sent * 1400):.5f}")


def pull(host, port, seconds, sources, size):
    """Every source address pulls GET /bytes/`size` over and over for twice `seconds`, one connection each at a
    time; print MB per minute in the first and the second half, the 429s seen, and the most one address got."""
    import threading
    got = [0] * len(sources)
    first_half = [0] * len(sources)
    refused = [0] * len(sources)
    start = time.perf_counter()
    half = start + seconds
    end = start + 2 * seconds

    def worker(i, src):
        while time.perf_counter() < end:
            try:
                s = socket.create_connection((host, port), timeout=10, source_address=(src, 0))
                s.sendall(f"GET /bytes/{size} HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n".encode())
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                if b" 429 " in head.split(b"\r\n", 1)[0]:
                    refused[i] += 1
                    s.close()
                    time.sleep(0.5)
                    continue
                body = len(head.split(b"\r\n\r\n", 1)[1]) if b"\r\n\r\n" in head else 0
                while chunk := s.recv(1 << 20):
                    body += len(chunk)
                got[i] += body
                if time.perf_counter() < half:
                    first_half[i] = got[i]
                s.close()
            except OSError:
                time.sleep(0.2)

    threads = [threading.Thread(target=worker, args=(i, src)) for i, src in enumerate(sources)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, total = sum(first_half), sum(got)
    print(f"{first * 60 / seconds / 1e6:.1f} {(total - first) * 60 / seconds / 1e6:.1f} {sum(refused)} {max(got)}")


def hold(host, port, sources, per_source):
    """Open `per_source` connections from each source address and keep them; then time how long a new address
    waits for its banner (typing at once), five times, and print the median in ms and how many were held."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (len(sources) * per_source + 1000,) * 2)
    held = []
    for src in sources[:-1]:
        for _ in range(per_source):
            try:
                held.append(socket.create_connection((host, port), timeout=5, source_address=(src, 0)))
            except OSError:
                pass
    time.sleep(2.0)
    waits = []
    for _ in range(5):
        t = time.perf_counter()
        s = socket.create_connection((host, port), timeout=5, source_address=(sources[-1], 0))
        s.sendall(b"/time\n")
        data = b""
        while b"Successfully Connected" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        waits.append((time.perf_counter() - t) * 1000)
        s.close()
    waits.sort()
    still_open = 0
    for s in held:
        s.setblocking(False)
        try:
            while chunk := s.recv(65536):
                pass
            # recv returned b"": the agent closed it to make room
        except BlockingIOError:
            still_open += 1
        except OSError:
            pass
        s.close()
    print(f"{waits[2]:.1f} {len(held)} {still_open}")


def capturefill(port, addresses, seconds, target, most=0):
    """bench/capture-memory: `addresses` client addresses on loopback (127.1.x.y), each with its own UDP socket, send
    datagrams of 40 bytes to the agent's port in turns (10 per address per turn), with a short TCP exchange (connect,
    a line, close) from each address first, until the agent's capture holds `target` bytes (its loopback /health) or
    `seconds` pass (or, with `most`, that many datagrams were sent: the run without capture). Prints datagrams sent, TCP exchanges, seconds taken and the bytes held at the end."""
    import json, urllib.request
    resource.setrlimit(resource.RLIMIT_NOFILE, (addresses + 1000,) * 2)
    sources = [f"127.1.{i // 250}.{i % 250 + 1}" for i in range(addresses)]
    health = f"http://{HOST}:{port}/health"
    held = lambda: json.load(urllib.request.urlopen(health, timeout=10))["capture"]["bytesHeld"]
    tcp = 0
    for src in sources:
        try:
            with socket.create_connection((HOST, port), timeout=5, source_address=(src, 0)) as s:
                s.sendall(b"/time\nq\n")
                while s.recv(4096):
                    pass
            tcp += 1
        except OSError:
            pass
    socks = []
    for src in sources:
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind((src, 0))
        u.setblocking(False)
        socks.append(u)
    payload = b"capture-memory bench datagram, 40 bytes"[:40].ljust(40, b".")
    start, sent, last = time.monotonic(), 0, 0
    while time.monotonic() - start < seconds:
        for u in socks:
            for _ in range(10):
                try:
                    u.sendto(payload, (HOST, port))
                    sent += 1
                except BlockingIOError:
                    pass
            try:
                while u.recv(2048):
                    pass
            except BlockingIOError:
                pass
        if (most and sent >= most) or (not most and held() >= target):
            break
        time.sleep(0.01)
    last = held()
    for u in socks:
        u.close()
    print(f"{sent} {tcp} {time.monotonic() - start:.1f} {last}")


if __name__ == "__main__":
    if sys.argv[1] == "capturefill":
        capturefill(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]) if len(sys.argv) > 6 else 0)
        sys.exit(0)
    if sys.argv[1] in ("udpflood", "pull", "hold"):
        cmd, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
        if cmd == "udpflood":
            udpflood(host, port, float(sys.argv[4]), sys.argv[5].split(","))
        elif cmd == "pull":
            pull(host, port, float(sys.argv[4]), sys.argv[5].split(","), int(sys.argv[6]))
        else:
            hold(host, port, sys.argv[4].split(","), int(sys.argv[5]))
        sys.exit(0)
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "send":
        send(port, int(sys.argv[3]), sys.argv[4].encode().decode("unicode_escape").encode("latin1") if len(sys.argv) > 4 else b"")
    elif cmd == "recv":
        recv(port, int(sys.argv[3]))
    elif cmd == "echo":
        echo(port, int(sys.argv[3]), sys.argv[4].encode().decode("unicode_escape").encode() if len(sys.argv) > 4 else b"")
    elif cmd == "sessions":
        sessions(port, int(sys.argv[3]), int(sys.argv[4]))
