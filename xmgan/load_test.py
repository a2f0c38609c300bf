"""Classroom load over loopback: many clients call one of the app's endpoints at once while one more
person presses a different button now and then; prints p50/p95 latency and errors of each.

    python -m xmgan.load_test                         # starts app.py on a free loopback port
    python -m xmgan.load_test --clients 20 --calls 10 --endpoints cgan_generate
    python -m xmgan.load_test --url http://127.0.0.1:7860/   # an app already running (loopback only)

Every client is a `gradio_client.Client` (the HTTP + server-sent-events protocol a browser page uses) in
its own thread of this process; it does not download the result images (a browser would, from the
server's file cache), so the figures are the server's time to answer. The clients share the machine's
CPU with the server: on a small machine that makes the figures pessimistic. Never sends traffic to any
address but loopback.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _image(path: str):
    """What the Sketchpad (gr.ImageEditor) sends for an uploaded picture."""
    from gradio_client import handle_file

    f = handle_file(str(ROOT / path))
    return {"background": f, "layers": [], "composite": f}


# endpoint -> arguments in the spec's input order (the app's api_name is "<model>_<method>")
CALLS = {
    "cgan_generate": lambda i: ("mnist", str(i % 10), i, 16),
    "stargan_translate_all": lambda i: ("usps", _image("examples/usps/7.png")),
    "gan_sample": lambda i: ("mnist", i, 16),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(port: int, env: dict | None = None) -> subprocess.Popen:
    """`python app.py` on 127.0.0.1:port; returns once it answers HTTP."""
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "XMGAN_HOST": "127.0.0.1",
           "XMGAN_PORT": str(port), **(env or {})}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    t0 = time.time()
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except OSError:
            if proc.poll() is not None or time.time() - t0 > 120:
                proc.kill()
                raise RuntimeError("app.py did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.2)


def cpu_seconds(proc: subprocess.Popen | None) -> float:
    """User + system CPU seconds of a child process so far (Linux /proc), 0 when unknown."""
    try:
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (AttributeError, OSError, ValueError, IndexError):
        return 0.0


def _percentiles(times: list[float]) -> str:
    if not times:
        return "no successful calls"
    p50, p95 = np.percentile(times, [50, 95])
    return f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(times):.2f} s"


def run(url: str, endpoint: str, clients: int, calls: int, person: str, person_every: float = 1.0) -> dict:
    """`clients` threads x `calls` calls of `endpoint`, and one person calling `person` every
    `person_every` seconds while they run. Returns latencies and errors of both."""
    from gradio_client import Client

    host = urllib.parse.urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"load_test only talks to loopback, not {host!r}")
    results = {"load": [], "load_errors": [], "person": [], "person_errors": []}
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    done = threading.Event()

    def one(kind: str, client, name: str, i: int) -> None:
        t0 = time.perf_counter()
        try:
            client.predict(*CALLS[name](i), api_name=f"/{name}")
            with lock:
                results[kind].append(time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - every failure is a result here
            with lock:
                results[f"{kind}_errors"].append(f"{type(e).__name__}: {e}"[:200])

    def student(k: int) -> None:
        client = Client(url, verbose=False, download_files=False)
        ready.wait()
        for j in range(calls):
            one("load", client, endpoint, k * calls + j)

    def clicker() -> None:
        client = Client(url, verbose=False, download_files=False)
        ready.wait()
        i = 0
        while not done.is_set():
            one("person", client, person, i)
            i += 1
            done.wait(person_every)

    threads = [threading.Thread(target=student, args=(k,)) for k in range(clients)]
    watcher = threading.Thread(target=clicker)
    for t in threads + [watcher]:
        t.start()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    results["wall_s"] = time.perf_counter() - t0
    done.set()
    watcher.join()
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m xmgan.load_test", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help="a running app on loopback (default: start app.py on a free port)")
    p.add_argument("--clients", type=int, default=30)
    p.add_argument("--calls", type=int, default=5, help="calls per client")
    p.add_argument("--endpoints", nargs="+", default=["cgan_generate", "stargan_translate_all"], choices=list(CALLS))
    p.add_argument("--person", default="gan_sample", choices=list(CALLS), help="the button one more person presses")
    args = p.parse_args(argv)
    proc = None
    url = args.url
    if not url:
        port = free_port()
        t0 = time.time()
        proc = start_app(port)
        print(f"app.py answered after {time.time() - t0:.1f} s")
        url = f"http://127.0.0.1:{port}/"
    try:
        for endpoint in args.endpoints:
            server0, clients0 = cpu_seconds(proc), time.process_time()
            r = run(url, endpoint, args.clients, args.calls, args.person)
            server1, clients1 = cpu_seconds(proc), time.process_time()
            n = args.clients * args.calls
            print(f"{endpoint}: {args.clients} clients x {args.calls} calls: {len(r['load'])}/{n} ok, "
                  f"{len(r['load_errors'])} errors; {_percentiles(r['load'])}; wall {r['wall_s']:.1f} s")
            print(f"  one person pressing {args.person} meanwhile: {len(r['person'])} ok, "
                  f"{len(r['person_errors'])} errors; {_percentiles(r['person'])}")
            if proc:
                print(f"  CPU used: server {server1 - server0:.1f} s, the {args.clients + 1} clients {clients1 - clients0:.1f} s; "
                      f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end")
            for e in sorted(set(r["load_errors"] + r["person_errors"]))[:5]:
                print("  error:", e)
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
