"""Smoke test of the generated Python client (clients/python) against a freshly started binary.

    SB_BINARY=target/debug/switchboard PYTHONPATH=clients/python python3 clients/python_smoke_test.py

Run by `scripts/clients test`. It starts `switchboard serve` on a temporary directory and a
port the system picks, with a webhook channel `shop` whose replies go to a receiver of its own,
then: creates an agent token through the client with an admin token made by the CLI, posts a
signed customer message to the channel hook, finds its conversation in the client's listing,
replies through the client (202) and waits for the reply to arrive, signed, at the receiver.
Last, it runs the README's Python example (the block marked `python client`) against the same
server. Every step asserts; the first failure stops the test with a message and exit code 1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import queue
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from switchboard_client import AuthenticatedClient
from switchboard_client.api.agents import create_token
from switchboard_client.api.conversations import list_conversations, reply
from switchboard_client.models import (
    ConversationPage,
    CreatedTokenView,
    CreateTokenRequest,
    ErrorBody,
    MessageView,
    ReplyRequest,
    Role,
)

ROOT = Path(__file__).resolve().parent.parent
# The binary reads SWITCHBOARD_* variables as configuration (and refuses unknown
# ones): it gets none of them, only the file written here.
BINARY_ENV = {name: value for name, value in os.environ.items() if not name.startswith("SWITCHBOARD_")}
# How long the server may take to listen, and a reply to reach the receiver.
WAIT_SECONDS = 30


class Receiver(ThreadingHTTPServer):
    """The channel's `callback_url`: records each reply POSTed to it, answers 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.replies: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.replies.put(({k.lower(): v for k, v in self.headers.items()}, body))
        answer = json.dumps({"id": f"shop-{self.server.replies.qsize()}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: object) -> None:
        pass


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, as the channel expects."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def check(condition: bool, what: str) -> None:
    if not condition:
        raise AssertionError(what)


def start_server(binary: str, directory: Path, secret: str, callback_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """Starts `switchboard serve` and returns it with its base URL, read from its output."""
    config = directory / "switchboard.toml"
    config.write_text(
        f"""[server]
bind = "127.0.0.1:0"

[database]
url = "sqlite://{directory}/switchboard.db"

[[channels]]
name = "shop"
kind = "webhook"
secret = "{secret}"
callback_url = "{callback_url}"
"""
    )
    log = directory / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [binary, "serve", "--config", str(config)], stdout=out, stderr=subprocess.STDOUT, env=BINARY_ENV
        )
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = re.search(r"^listening on (http://\S+)$", log.read_text(errors="replace"), re.MULTILINE)
        if found:
            return server, found.group(1)
        if server.poll() is not None:
            raise AssertionError(f"switchboard serve stopped before listening:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)
    server.kill()
    raise AssertionError(f"switchboard serve did not listen within {WAIT_SECONDS} s")


def next_reply(receiver: Receiver, secret: str) -> dict:
    """The next reply the receiver got, after checking its signature."""
    try:
        headers, body = receiver.replies.get(timeout=WAIT_SECONDS)
    except queue.Empty:
        raise AssertionError(f"no reply reached the channel's callback_url within {WAIT_SECONDS} s") from None
    timestamp = headers.get("x-switchboard-timestamp", "")
    check(
        hmac.compare_digest(headers.get("x-switchboard-signature", ""), sign(secret, timestamp, body)),
        f"the reply's signature does not verify: {headers}",
    )
    return json.loads(body)


def readme_example() -> str:
    """The README's Python example: the one block marked `python client`."""
    blocks = re.findall(r"^```python client\n(.*?)^```$", (ROOT / "README.md").read_text(), re.MULTILINE | re.DOTALL)
    check(len(blocks) == 1, f"README.md has {len(blocks)} blocks marked `python client`, expected one")
    return blocks[0]


def smoke(binary: str, directory: Path) -> None:
    secret = secrets.token_hex(16)
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    callback_url = f"http://127.0.0.1:{receiver.server_address[1]}/replies"
    server, base_url = start_server(binary, directory, secret, callback_url)
    try:
        config = ["--config", str(directory / "switchboard.toml")]
        admin_token = subprocess.run(
            [binary, "token", "create", "--role", "admin", "--name", "smoke admin", *config],
            check=True,
            capture_output=True,
            text=True,
            env=BINARY_ENV,
        ).stdout.strip()
        check(admin_token != "", "`switchboard token create` printed no token")
        admin = AuthenticatedClient(base_url=base_url, token=admin_token)

        # 1. A token for agent 1 (the admin agent made on first start), through the client.
        created = create_token.sync_detailed(
            client=admin, body=CreateTokenRequest(name="smoke agent", role=Role.AGENT, agent_id=1)
        )
        check(created.status_code == 201, f"POST /api/v1/tokens answered {created.status_code}: {created.content!r}")
        check(isinstance(created.parsed, CreatedTokenView), f"POST /api/v1/tokens parsed as {created.parsed!r}")
        check(created.parsed.role == Role.AGENT, f"the new token has the role {created.parsed.role}")
        agent = AuthenticatedClient(base_url=base_url, token=created.parsed.token)
        print(f"ok: created an agent token (id {created.parsed.id})")

        # 2. A customer message on the webhook channel (outside /api/v1: plain httpx, signed).
        message_id = f"m-{secrets.token_hex(4)}"
        body = json.dumps(
            {"id": message_id, "from": {"id": "u1", "name": "Ann"}, "text": "Where is my order?"}
        ).encode()
        timestamp = str(int(time.time()))
        hook = httpx.post(
            f"{base_url}/hooks/shop",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Switchboard-Timestamp": timestamp,
                "X-Switchboard-Signature": sign(secret, timestamp, body),
            },
        )
        check(hook.status_code == 200, f"POST /hooks/shop answered {hook.status_code}: {hook.text}")
        ingested = hook.json()
        check(ingested.get("accepted") == 1, f"POST /hooks/shop did not accept the message: {ingested}")
        conversation_id = ingested["messages"][0]["conversation_id"]
        print(f"ok: posted a webhook message (conversation {conversation_id})")

        # 3. The conversation, in the client's listing.
        listed = list_conversations.sync_detailed(client=agent, channel="shop")
        check(listed.status_code == 200, f"GET /api/v1/conversations answered {listed.status_code}: {listed.content!r}")
        check(isinstance(listed.parsed, ConversationPage), f"GET /api/v1/conversations parsed as {listed.parsed!r}")
        mine = [c for c in listed.parsed.items if c.id == conversation_id]
        check(len(mine) == 1, f"conversation {conversation_id} is not listed: {listed.parsed.items}")
        check(mine[0].last_message == "Where is my order?", f"its last message is {mine[0].last_message!r}")
        print("ok: listed the conversation")

        # 4. A reply through the client: accepted (202), then delivered to the callback_url.
        replied = reply.sync_detailed(conversation_id, client=agent, body=ReplyRequest(text="It ships today."))
        check(replied.status_code == 202, f"POST /reply answered {replied.status_code}: {replied.content!r}")
        check(isinstance(replied.parsed, MessageView), f"POST /reply parsed as {replied.parsed!r}")
        check(replied.parsed.text == "It ships today.", f"the queued reply reads {replied.parsed.text!r}")
        delivered = next_reply(receiver, secret)
        check(delivered.get("text") == "It ships today.", f"the callback got {delivered}")
        check(delivered.get("conversation_id") == conversation_id, f"the callback got {delivered}")
        check(delivered.get("to", {}).get("id") == "u1", f"the callback got {delivered}")
        check(delivered.get("in_reply_to") == message_id, f"the callback got {delivered}")
        print("ok: replied, and the reply reached the channel")

        # 5. An error answer is typed too: a bad token is a 401 with the error body.
        refused = list_conversations.sync_detailed(client=AuthenticatedClient(base_url=base_url, token="sb_bad"))
        check(refused.status_code == 401, f"a bad token got {refused.status_code}")
        check(isinstance(refused.parsed, ErrorBody), f"the 401 parsed as {refused.parsed!r}")
        print(f"ok: a bad token is refused ({refused.parsed.error.code})")

        # 6. The README's example, as written, against this server and the agent token.
        example = readme_example().replace("http://127.0.0.1:8080", base_url)
        exec(compile(example, "README.md (python client)", "exec"), {"TOKEN": created.parsed.token})  # noqa: S102
        delivered = next_reply(receiver, secret)
        check(delivered.get("conversation_id") == conversation_id, f"the README's reply went to {delivered}")
        print(f"ok: the README's example replied: {delivered.get('text')!r}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        receiver.shutdown()


def main() -> int:
    binary = os.environ.get("SB_BINARY")
    if not binary:
        print("set SB_BINARY to the switchboard binary", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as directory:
        try:
            smoke(binary, Path(directory))
        except AssertionError as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
    print("python client: smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
