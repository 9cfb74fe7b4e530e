"""The HTTP layer: request parsing, the request pipeline, routing and the socket server.

Pipeline for every request: log it, verify OAuth (which records the nonce), enforce the
rate limit, apply an injected fault, then run the endpoint.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, unquote

from .faults import Fault, FaultPlan
from .limits import RateEnforcer, category_for
from .log import RequestLog, RequestRecord
from .oauth import OAuthService, oauth_params
from .wire import (
    RATE_LIMIT_TEXT,
    ApiError,
    OAuthProblem,
    Reply,
    SimRequest,
    error_reply,
    oauth_problem_reply,
    query_params,
    rate_limit_reply,
)

__all__ = ["App", "Route", "SimHTTPServer"]

logger = logging.getLogger("etrade_sync.simulator")
_QUERY_RE = re.compile(r"\?[^\s\"]*")
_ACCOUNT_RE = re.compile(r"(/v1/accounts/)(?!list\b)([^/.?\s\"]+)")
Handler = Callable[[SimRequest], Reply]
DROP = Reply(-1)
_THROTTLED = "<rate limit enforcement>"


@dataclass(frozen=True)
class Route:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler
    token_kind: str | None = "access"  # None: no OAuth (the browser login page)
    allow_inactive: bool = False


def route(
    methods: str,
    pattern: str,
    handler: Handler,
    token_kind: str | None = "access",
    allow_inactive: bool = False,
) -> Route:
    return Route(
        frozenset(methods.split()), re.compile(pattern), handler, token_kind, allow_inactive
    )


def normalize_path(raw_path: str) -> tuple[str, str, bool]:
    """(normalized path, query string, whether ``.json`` was in the path)."""
    path, _, query = raw_path.partition("?")
    path = unquote(path)
    as_json = False
    if path.endswith(".json"):
        path, as_json = path[: -len(".json")], True
    if ".json/" in path:
        path, as_json = path.replace(".json/", "/"), True
    if len(path) > 1:
        path = path.rstrip("/")
    return path, query, as_json


class App:
    """Routes plus the pipeline; shared by all handler threads."""

    def __init__(
        self,
        oauth: OAuthService,
        log: RequestLog,
        faults: FaultPlan,
        enforcer: RateEnforcer | None,
        routes: list[Route],
    ) -> None:
        self.oauth = oauth
        self.log = log
        self.faults = faults
        self.enforcer = enforcer
        self.routes = routes

    def find(self, method: str, path: str) -> tuple[Route | None, tuple[str, ...], list[str]]:
        """(matching route, its groups, methods allowed on the path)."""
        allowed: list[str] = []
        for candidate in self.routes:
            match = candidate.pattern.fullmatch(path)
            if match:
                if method in candidate.methods:
                    return candidate, match.groups(), []
                allowed.extend(sorted(candidate.methods))
        return None, (), allowed

    def process(self, call: SimRequest, connection_id: int) -> Reply:
        params = oauth_params(call)
        category = category_for(call.path)
        record = RequestRecord(
            seq=0,
            time=time.monotonic(),
            wall_time=time.time(),
            method=call.method,
            path=call.path,
            raw_path=call.raw_path,
            query=dict(call.query),
            category=category,
            connection_id=connection_id,
            body=call.body,
            headers=dict(call.headers),
            nonce=params.get("oauth_nonce"),
            oauth_timestamp=params.get("oauth_timestamp"),
            consumer_key=params.get("oauth_consumer_key"),
            token=params.get("oauth_token"),
        )
        seq = self.log.add(record)
        try:
            reply, fault = self._pipeline(call, category, record.time)
        except OAuthProblem as problem:
            self.log.update(seq, status=problem.status, oauth_problem=problem.problem)
            return oauth_problem_reply(problem)
        if fault == _THROTTLED:
            self.log.update(seq, status=reply.status, throttled=True)
        elif reply is DROP:
            self.log.update(seq, status=None, fault=fault, dropped=True)
        else:
            self.log.update(seq, status=reply.status, fault=fault)
        return reply

    def _pipeline(
        self, call: SimRequest, category: str, arrival: float
    ) -> tuple[Reply, str | None]:
        found, groups, allowed = self.find(call.method, call.path)
        kind = found.token_kind if found else ("access" if category != "other" else None)
        if kind is not None:
            verified = self.oauth.verify(call, kind, found.allow_inactive if found else False)
            call.consumer_key, call.token, call.oauth = (
                verified.consumer_key,
                verified.token,
                verified.params,
            )
            if self.enforcer and not self.enforcer.admit(verified.consumer_key, category, arrival):
                self.log.count_throttled()
                return rate_limit_reply(), _THROTTLED
        fault = self.faults.take(call.method, call.path)
        if fault is not None and not fault.processes_request:
            return self._fault_reply(call, fault), fault.kind
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
        reply = self._run(call, found, groups, allowed)
        if kind == "access" and call.path.startswith("/v1/"):
            self.oauth.touch(call.token)
        if fault is None or fault.kind in {"ok", "delay"}:
            return reply, fault.kind if fault else None
        if fault.kind == "commit_then_drop":
            return DROP, fault.kind
        return error_reply(
            call.as_json, fault.code, fault.code, "The service is temporarily unavailable."
        ), fault.kind

    def _run(
        self, call: SimRequest, found: Route | None, groups: tuple[str, ...], allowed: list[str]
    ) -> Reply:
        if found is None:
            if allowed:
                reply = error_reply(True, 405, 405, f"Method {call.method} is not allowed here.")
                return Reply(
                    reply.status, reply.body, reply.content_type, (("Allow", ", ".join(allowed)),)
                )
            return error_reply(True, 404, 404, f"Resource {call.path} not found.")
        call.params = groups
        try:
            return found.handler(call)
        except ApiError as exc:
            return error_reply(call.as_json, exc.status, exc.code, exc.message)
        except OAuthProblem as problem:
            return oauth_problem_reply(problem)
        except Exception:
            logger.exception("simulator endpoint failed: %s %s", call.method, call.path)
            return error_reply(call.as_json, 500, 500, "Internal error in the simulator.")

    @staticmethod
    def _fault_reply(call: SimRequest, fault: Fault) -> Reply:
        if fault.kind == "drop":
            return DROP
        if fault.kind == "throttle":
            return rate_limit_reply()
        if fault.kind == "oauth":
            return oauth_problem_reply(OAuthProblem(fault.problem))
        if fault.kind == "too_many":
            body = json.dumps({"Error": {"code": 429, "message": RATE_LIMIT_TEXT}}).encode()
            return Reply(429, body, "application/json", fault.headers)
        body_value: Any = fault.body
        if body_value is None:
            body_value = {"Error": {"code": fault.code, "message": f"Injected error {fault.code}."}}
        if isinstance(body_value, (dict, list)):
            data = json.dumps(body_value).encode()
        elif isinstance(body_value, str):
            data = body_value.encode()
        else:
            data = bytes(body_value)
        return Reply(fault.code, data, fault.content_type, fault.headers)


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, RequestHandler)

    def close_open_connections(self) -> None:
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EtradeSimulator/1.0"
    sys_version = ""

    @property
    def sim_server(self) -> SimHTTPServer:
        return cast(SimHTTPServer, self.server)

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connection_id = self.sim_server.app.log.count_connection()
        with self.sim_server.sockets_lock:
            self.sim_server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.sim_server.sockets_lock:
            self.sim_server.open_sockets.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry the request token on the authorize page, and OAuth
        # parameters may ride in the query string: log the path without its query.
        line = _QUERY_RE.sub("?…", format % args)
        line = _ACCOUNT_RE.sub(lambda m: m.group(1) + m.group(2)[:4] + "…", line)
        logger.debug("%s - %s", self.address_string(), line)

    def date_time_string(self, timestamp: float | None = None) -> str:
        when = self.sim_server.app.oauth.server_now() if timestamp is None else timestamp
        return email.utils.formatdate(when, usegmt=True)

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._read_body().decode("utf-8", errors="replace")
        path, query, dot_json = normalize_path(self.path)
        headers = dict(self.headers.items())
        accept = (self.headers.get("Accept") or "").lower()
        call = SimRequest(
            method=self.command,
            raw_path=self.path,
            path=path,
            query=query_params(parse_qsl(query, keep_blank_values=True)),
            headers=headers,
            body=body,
            as_json=dot_json or "application/json" in accept,
            base_url=f"http://{self.headers.get('Host') or '127.0.0.1'}",
        )
        reply = self.sim_server.app.process(call, self.connection_id)
        if reply is DROP:
            self._drop()
            return
        try:
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if reply.status != 204:
                self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if reply.status != 204:
                self.wfile.write(reply.body)
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = _dispatch
    do_POST = _dispatch
    do_PUT = _dispatch
    do_DELETE = _dispatch
    do_PATCH = _dispatch
