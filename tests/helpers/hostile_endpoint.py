"""A hostile OpenAI-compatible endpoint on 127.0.0.1 for tests: slow drip, huge body, deep nesting, wrong
types in `usage`, an echoed API key. Bounded: every reply ends within ~30 s and the server stops with the
test. The behaviour is chosen by the instance name found in the prompt (`case_<mode>`)."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = ("ok", "drip", "huge", "deep_body", "deep_content", "usage_str", "usage_types", "echo_key")
DRIP_BYTES = 60  # one byte every 0.5 s: at most 30 s
HUGE_BYTES = 9 * 1024 * 1024  # over the client's 8 MiB cap


def _completion(content: str, usage: object) -> dict:
    return {
        "id": "x",
        "object": "chat.completion",
        "model": "hostile",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": usage,
    }


class _Handler(BaseHTTPRequestHandler):
    answer = '{"sequence": ["a", "b", "c"]}'
    good_usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:  # /v1/models echoes the Authorization header, as some proxies do
        self._send(
            200, json.dumps({"data": [{"id": "hostile"}], "echo": self.headers.get("Authorization")}).encode()
        )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        found = re.search(r"case_([a-z_]+)", body)
        mode = found.group(1) if found else "ok"
        self.server.seen.append(mode)  # type: ignore[attr-defined]
        if mode == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(10_000))
            self.end_headers()
            try:
                for _ in range(DRIP_BYTES):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.5)
            except OSError:
                pass  # the client gave up, as it should
            return
        if mode == "huge":
            filler = "x" * HUGE_BYTES
            self._send(200, json.dumps(_completion(self.answer + filler, self.good_usage)).encode())
        elif mode == "deep_body":
            deep = "[" * 100_000 + "]" * 100_000
            text = json.dumps(_completion(self.answer, self.good_usage))
            self._send(200, (text[:-1] + ', "deep": ' + deep + "}").encode())
        elif mode == "deep_content":
            nested = '{"a": ' * 100_000 + "1" + "}" * 100_000
            self._send(200, json.dumps(_completion(nested, self.good_usage)).encode())
        elif mode == "usage_str":
            self._send(200, json.dumps(_completion(self.answer, "lots")).encode())
        elif mode == "usage_types":
            usage = {"prompt_tokens": "many", "completion_tokens": 1.5, "total_tokens": [1]}
            self._send(200, json.dumps(_completion(self.answer, usage)).encode())
        elif mode == "echo_key":
            error = {"error": {"message": f"invalid key {self.headers.get('Authorization')}", "type": "auth"}}
            self._send(401, json.dumps(error).encode())
        else:
            self._send(200, json.dumps(_completion(self.answer, self.good_usage)).encode())


class HostileServer:
    """Context manager: a threading HTTP server on a free loopback port; `.url` ends in /v1."""

    def __enter__(self) -> HostileServer:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def seen(self) -> list[str]:
        return self.httpd.seen  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def smtt_case(mode: str) -> dict:
    jobs = [
        {"name": n, "processing_time": p, "due_date": d}
        for n, p, d in (("a", 2, 2), ("b", 3, 4), ("c", 1, 9))
    ]
    return {
        "schema": "schedbench/instance/v1",
        "problem": "smtt",
        "name": f"case_{mode}",
        "jobs": jobs,
        "meta": {},
    }
