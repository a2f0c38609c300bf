"""A small local HTTP server that speaks the part of the Hugging Face Hub protocol `snapshot_download` and
`hf_hub_download` use, serving checkpoint folders as model repos (loopback only):

  GET  /api/models/<org>/<name>/revision/<rev>        repo info: the commit sha the revision points at
  GET  /api/models/<org>/<name>/tree/<sha>?recursive  the file list (path, size, git blob id)
  HEAD /<org>/<name>/resolve/<rev>/<file>              X-Repo-Commit, ETag, Content-Length
  GET  /<org>/<name>/resolve/<rev>/<file>              the bytes
A repo it does not hold answers 404 with X-Error-Code: RepoNotFound, as the Hub does. `damage` makes it
serve one file truncated (its real size announced, fewer bytes sent) or with one byte flipped.
Every request is logged in `server.log`; a client may GET /_mark/<name> to put a marker in it.
"""
from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse


class Repo:
    def __init__(self, folder: Path, damage: dict[str, str] | None = None):
        self.files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
        self.damage = damage or {}  # filename -> "truncate" | "flip"
        self.sha = hashlib.sha1(b"".join(self.files.values())).hexdigest()  # the one commit of this repo

    def body(self, name: str) -> bytes:
        data = self.files[name]
        if self.damage.get(name) == "truncate":
            return data[: len(data) // 2]
        if self.damage.get(name) == "flip":
            return data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    def oid(self, name: str) -> str:  # git blob id, what the Hub calls oid / ETag for small files
        data = self.files[name]
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class FakeHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, repos: dict[str, Repo]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.repos = repos
        self.log: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "FakeHub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def between(self, start: str, end: str | None = None) -> list[tuple[str, str]]:
        """Requests logged after marker `start` (and before marker `end`)."""
        marks = [i for i, (m, p) in enumerate(self.log) if m == "MARK"]
        names = {self.log[i][1]: i for i in marks}
        lo = names[start] + 1
        hi = names[end] if end else len(self.log)
        return [r for r in self.log[lo:hi] if r[0] != "MARK"]


class Handler(BaseHTTPRequestHandler):
    server: FakeHub

    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, code: int, body: bytes = b"", headers: dict | None = None, head: bool = False) -> None:
        self.send_response(code)
        for k, v in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, obj) -> None:
        self._send(200, json.dumps(obj).encode(), {"Content-Type": "application/json"})

    def _not_found(self, head: bool = False) -> None:
        self._send(404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound",
                                                               "X-Error-Message": "Repository not found"}, head)

    def _route(self, head: bool) -> None:
        path = unquote(urlparse(self.path).path)
        with self.server.lock:
            if path.startswith("/_mark/"):
                self.server.log.append(("MARK", path[len("/_mark/"):]))
                return self._send(200)
            self.server.log.append((self.command, path))
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo_id, kind = "/".join(parts[2:4]), parts[4]
            repo = self.server.repos.get(repo_id)
            if repo is None:
                return self._not_found(head)
            if kind == "revision":
                return self._json({"id": repo_id, "modelId": repo_id, "sha": repo.sha, "private": False,
                                   "siblings": [{"rfilename": f} for f in repo.files]})
            if kind == "tree":
                return self._json([{"type": "file", "path": f, "size": len(d), "oid": repo.oid(f)}
                                   for f, d in repo.files.items()])
        if len(parts) >= 5 and parts[2] == "resolve":
            repo = self.server.repos.get("/".join(parts[:2]))
            if repo is None:
                return self._not_found(head)
            name = "/".join(parts[4:])
            if name not in repo.files:
                return self._send(404, b"", {"X-Error-Code": "EntryNotFound"}, head)
            headers = {"X-Repo-Commit": repo.sha, "ETag": f'"{repo.oid(name)}"'}
            if head:  # the metadata announces the real size
                return self._send(200, repo.files[name], headers, head=True)
            return self._send(200, repo.body(name), headers)
        self._send(404, b"", {}, head)

    def do_GET(self) -> None:
        self._route(head=False)

    def do_HEAD(self) -> None:
        self._route(head=True)
