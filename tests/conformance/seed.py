#!/usr/bin/env python3
"""Seeds a fresh Switchboard for the API conformance run (scripts/api-conformance).

    seed.py BASE_URL ADMIN_TOKEN WEBHOOK_SECRET   # prints KEY=VALUE lines: the tokens it made

Waits until BASE_URL/readyz answers, then, as the admin, creates what the `{id}` paths and the
stateful phase of Schemathesis need to find (Schemathesis tries small integers, so ids 1..N
should exist): an agent and a marketer with tokens of their own, a team, conversations,
contacts and messages from signed webhook-channel messages (docs/channels/webhook.md), a reply,
a note, a canned response, a segment, a rule, two campaigns (one draft, one started), an event
webhook and consents. Every URL it hands the server points at 127.0.0.1; the run is contained
in a network namespace anyway. Python standard library only; any unexpected answer stops it.
"""

import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request

# A closed port on loopback: webhook callbacks and event deliveries fail fast, so the delivery
# logs hold failed and retried entries.
CLOSED = "http://127.0.0.1:9"


class Api:
    def __init__(self, base, token):
        self.base = base.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, expect=(200, 201, 202, 204), headers=None, raw=None):
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode(errors="replace")
        if status not in expect:
            sys.exit(f"seed: {method} {path} answered {status}, expected {expect}: {text[:500]}")
        return json.loads(text) if text.strip().startswith(("{", "[")) else text


def wait_ready(base, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            sys.exit(f"seed: {base}/readyz did not answer 200 within {seconds} s")
        time.sleep(0.2)


def inbound(api, secret, message):
    """Posts one customer message to the webhook channel `shop`, signed with a timestamp."""
    body = json.dumps(message).encode()
    timestamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return api.call(
        "POST",
        "/hooks/shop",
        raw=body,
        expect=(200,),
        headers={
            "X-Switchboard-Timestamp": timestamp,
            "X-Switchboard-Signature": "sha256=" + signature.hexdigest(),
        },
    )


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    base, admin_token, secret = sys.argv[1:]
    wait_ready(base)
    api = Api(base, admin_token)

    agent = api.call("POST", "/api/v1/agents",
                     {"name": "Eva Agent", "email": "eva@example.test", "role": "agent"})
    marketer = api.call("POST", "/api/v1/agents",
                        {"name": "Mark Marketer", "email": "mark@example.test", "role": "marketer"})
    agent_token = api.call("POST", "/api/v1/tokens",
                           {"name": "conformance agent", "role": "agent", "agent_id": agent["id"]})
    marketer_token = api.call("POST", "/api/v1/tokens",
                              {"name": "conformance marketer", "role": "marketer",
                               "agent_id": marketer["id"]})
    api.call("POST", "/api/v1/teams", {"name": "Support", "members": [1, agent["id"]]})

    # Customers write in: contacts, conversations and messages 1..N.
    customers = [
        ("u1", "Ann Example", "ann@example.test", "+420600000001"),
        ("u2", "Bob Example", "bob@example.test", None),
        ("u3", "Cyril Example", None, "+420600000003"),
        ("u4", "Dana Example", "dana@example.test", None),
    ]
    texts = ["Where is my order?", "I want a refund", "Hello", "Is the shop open on Sunday?"]
    for n, ((uid, name, email, phone), text) in enumerate(zip(customers, texts), start=1):
        sender = {"id": uid, "name": name}
        if email:
            sender["email"] = email
        if phone:
            sender["phone"] = phone
        message = {"id": f"m{n}", "from": sender, "text": text}
        if n == 1:
            message["attachments"] = [{"url": f"{CLOSED}/invoice.pdf", "name": "invoice.pdf",
                                       "mime_type": "application/pdf", "size": 1234}]
        inbound(api, secret, message)
    inbound(api, secret, {"id": "m5", "from": {"id": "u1", "name": "Ann Example"},
                          "text": "Any news? <img src=\"http://127.0.0.1:9/pixel.png\">"})
    inbound(api, secret, {"id": "m6", "from": {"id": "u2", "name": "Bob Example"},
                          "thread": "returns", "text": "Second question, about a return"})

    api.call("POST", "/api/v1/conversations/1/assign", {"agent_id": agent["id"]})
    api.call("POST", "/api/v1/conversations/1/reply", {"text": "It ships today."})
    api.call("POST", "/api/v1/conversations/1/notes", {"text": "VIP customer"})
    api.call("PATCH", "/api/v1/conversations/2", {"labels": ["refund"], "priority": "high"})
    api.call("POST", "/api/v1/conversations/3/status", {"status": "resolved"})

    api.call("POST", "/api/v1/contacts",
             {"name": "Eve Imported", "email": "eve@example.test", "tags": ["gold"],
              "attributes": {"plan": "pro"}})
    api.call("POST", "/api/v1/contacts/import",
             {"csv": "name,email,tags,consent:webhook\n"
                     "Fred Csv,fred@example.test,gold,yes\n"
                     "Gina Csv,gina@example.test,silver,no\n"})
    api.call("PUT", "/api/v1/contacts/1/consents",
             {"items": [{"channel": "webhook", "granted": True}]})

    api.call("POST", "/api/v1/canned-responses",
             {"shortcut": "thanks", "title": "Thanks", "body": "Thank you, {{ contact.name }}!"})
    segment = api.call("POST", "/api/v1/segments",
                       {"name": "Gold", "filter": {"op": "tag", "tag": "gold"}})
    api.call("POST", "/api/v1/rules",
             {"name": "label refunds", "on": "message.received",
              "when": {"text_matches": "refund"}, "actions": [{"add_label": "refund"}]})
    api.call("POST", "/api/v1/campaigns",
             {"name": "Spring sale", "segment_id": segment["id"],
              "channels": [{"channel": "shop", "body": "Spring sale, {{ contact.name }}!"}]})
    started = api.call("POST", "/api/v1/campaigns",
                       {"name": "Gold news", "filter": {"op": "tag", "tag": "gold"},
                        "channels": [{"channel": "shop", "body": "News for gold customers"}]})
    api.call("POST", f"/api/v1/campaigns/{started['id']}/start", {})
    api.call("POST", "/api/v1/webhooks", {"url": f"{CLOSED}/events", "events": ["*"]})

    print(f"AGENT_TOKEN={agent_token['token']}")
    print(f"MARKETER_TOKEN={marketer_token['token']}")


if __name__ == "__main__":
    main()
