/**
 * Smoke test of the TypeScript client (src/index.ts) against a freshly started binary.
 *
 *     npm run build && SB_BINARY=…/switchboard node dist/smoke.js
 *
 * Run by `scripts/clients test`. It starts `switchboard serve` on a temporary directory and a
 * port the system picks, with a webhook channel `shop` whose replies go to a receiver of its
 * own, then: creates an agent token through the client with an admin token made by the CLI,
 * posts a signed customer message to the channel hook, finds its conversation in the client's
 * listing, replies through the client (202) and waits for the reply to arrive, signed, at the
 * receiver. Every step asserts; the first failure stops the test with exit code 1.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createSwitchboardClient } from "./src/index.js";

/**
 * The binary reads SWITCHBOARD_* variables as configuration (and refuses unknown
 * ones): it gets none of them, only the file written here.
 */
const BINARY_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("SWITCHBOARD_")),
);

/** How long the server may take to listen, and a reply to reach the receiver. */
const WAIT_MS = 30_000;

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(what);
}

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`, as the channel expects. */
function sign(secret: string, timestamp: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

/** The channel's `callback_url`: hands each reply POSTed to it to `next()`, answers 200. */
class Receiver {
  private readonly server: Server;
  private readonly arrived: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  private waiting: (() => void) | undefined;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        this.arrived.push({ headers: request.headers, body: Buffer.concat(chunks) });
        this.waiting?.();
        response.writeHead(200, { "Content-Type": "application/json" });
        response.end(JSON.stringify({ id: `shop-${this.arrived.length}` }));
      });
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/replies`;
  }

  /** The next reply, after checking its signature. */
  async next(secret: string): Promise<Record<string, unknown>> {
    const deadline = Date.now() + WAIT_MS;
    while (this.arrived.length === 0) {
      check(Date.now() < deadline, `no reply reached the channel's callback_url within ${WAIT_MS / 1000} s`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 200);
      });
    }
    const { headers, body } = this.arrived.shift()!;
    const timestamp = String(headers["x-switchboard-timestamp"] ?? "");
    const expected = Buffer.from(sign(secret, timestamp, body));
    const got = Buffer.from(String(headers["x-switchboard-signature"] ?? ""));
    check(got.length === expected.length && timingSafeEqual(got, expected), "the reply's signature does not verify");
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/** Starts `switchboard serve` and returns it with its base URL, read from its output. */
async function startServer(
  binary: string,
  directory: string,
  secret: string,
  callbackUrl: string,
): Promise<[ChildProcess, string]> {
  const config = join(directory, "switchboard.toml");
  writeFileSync(
    config,
    `[server]
bind = "127.0.0.1:0"

[database]
url = "sqlite://${directory}/switchboard.db"

[[channels]]
name = "shop"
kind = "webhook"
secret = "${secret}"
callback_url = "${callbackUrl}"
`,
  );
  const log = join(directory, "serve.log");
  const out = openSync(log, "w");
  const server = spawn(binary, ["serve", "--config", config], { stdio: ["ignore", out, out], env: BINARY_ENV });
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const text = readFileSync(log, "utf8");
    const found = /^listening on (http:\/\/\S+)$/m.exec(text);
    if (found?.[1]) return [server, found[1]];
    if (server.exitCode !== null) throw new Error(`switchboard serve stopped before listening:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  server.kill("SIGKILL");
  throw new Error(`switchboard serve did not listen within ${WAIT_MS / 1000} s`);
}

async function smoke(binary: string, directory: string): Promise<void> {
  const secret = randomBytes(16).toString("hex");
  const receiver = new Receiver();
  const [server, baseUrl] = await startServer(binary, directory, secret, await receiver.listen());
  try {
    const adminToken = execFileSync(
      binary,
      ["token", "create", "--role", "admin", "--name", "smoke admin", "--config", join(directory, "switchboard.toml")],
      { encoding: "utf8", env: BINARY_ENV, stdio: ["ignore", "pipe", "pipe"] },
    ).trim();
    check(adminToken !== "", "`switchboard token create` printed no token");
    const admin = createSwitchboardClient(baseUrl, adminToken);

    // 1. A token for agent 1 (the admin agent made on first start), through the client.
    const created = await admin.POST("/api/v1/tokens", {
      body: { name: "smoke agent", role: "agent", agent_id: 1 },
    });
    check(created.response.status === 201, `POST /api/v1/tokens answered ${created.response.status}`);
    check(created.data, `POST /api/v1/tokens: ${JSON.stringify(created.error)}`);
    check(created.data.role === "agent", `the new token has the role ${created.data.role}`);
    const agent = createSwitchboardClient(baseUrl, created.data.token);
    console.log(`ok: created an agent token (id ${created.data.id})`);

    // 2. A customer message on the webhook channel (outside /api/v1: plain fetch, signed).
    const messageId = `m-${randomBytes(4).toString("hex")}`;
    const body = JSON.stringify({ id: messageId, from: { id: "u1", name: "Ann" }, text: "Where is my order?" });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const hook = await fetch(`${baseUrl}/hooks/shop`, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        "X-Switchboard-Timestamp": timestamp,
        "X-Switchboard-Signature": sign(secret, timestamp, body),
      },
    });
    const hookText = await hook.text();
    check(hook.status === 200, `POST /hooks/shop answered ${hook.status}: ${hookText}`);
    const ingested = JSON.parse(hookText) as { accepted: number; messages: { conversation_id: number }[] };
    check(ingested.accepted === 1, `POST /hooks/shop did not accept the message: ${hookText}`);
    const conversationId = ingested.messages[0]?.conversation_id;
    check(typeof conversationId === "number", `POST /hooks/shop named no conversation: ${hookText}`);
    console.log(`ok: posted a webhook message (conversation ${conversationId})`);

    // 3. The conversation, in the client's listing.
    const listed = await agent.GET("/api/v1/conversations", { params: { query: { channel: "shop" } } });
    check(listed.data, `GET /api/v1/conversations answered ${listed.response.status}: ${JSON.stringify(listed.error)}`);
    const mine = listed.data.items.filter((conversation) => conversation.id === conversationId);
    check(mine.length === 1, `conversation ${conversationId} is not listed: ${JSON.stringify(listed.data.items)}`);
    check(mine[0]?.last_message === "Where is my order?", `its last message is ${mine[0]?.last_message}`);
    console.log("ok: listed the conversation");

    // 4. A reply through the client: accepted (202), then delivered to the callback_url.
    const replied = await agent.POST("/api/v1/conversations/{id}/reply", {
      params: { path: { id: conversationId } },
      body: { text: "It ships today." },
    });
    check(replied.response.status === 202, `POST /reply answered ${replied.response.status}`);
    check(replied.data, `POST /reply: ${JSON.stringify(replied.error)}`);
    check(replied.data.text === "It ships today.", `the queued reply reads ${replied.data.text}`);
    const delivered = await receiver.next(secret);
    check(delivered.text === "It ships today.", `the callback got ${JSON.stringify(delivered)}`);
    check(delivered.conversation_id === conversationId, `the callback got ${JSON.stringify(delivered)}`);
    check((delivered.to as { id?: string } | undefined)?.id === "u1", `the callback got ${JSON.stringify(delivered)}`);
    check(delivered.in_reply_to === messageId, `the callback got ${JSON.stringify(delivered)}`);
    console.log("ok: replied, and the reply reached the channel");

    // 5. An error answer is typed too: a bad token is a 401 with the error body.
    const refused = await createSwitchboardClient(baseUrl, "sb_bad").GET("/api/v1/conversations");
    check(refused.response.status === 401, `a bad token got ${refused.response.status}`);
    check(refused.error?.error.code, `the 401 came without an error body: ${JSON.stringify(refused.error)}`);
    console.log(`ok: a bad token is refused (${refused.error.error.code})`);
  } finally {
    await stop(server);
    receiver.close();
  }
}

/** Stops the server (it finishes what is in flight first), or kills it after 10 s. */
async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

const binary = process.env.SB_BINARY;
if (!binary) {
  console.error("set SB_BINARY to the switchboard binary");
  process.exit(2);
}
const directory = mkdtempSync(join(tmpdir(), "switchboard-smoke-"));
try {
  await smoke(binary, directory);
  console.log("typescript client: smoke test passed");
} catch (failure) {
  console.error(`FAILED: ${failure instanceof Error ? failure.message : String(failure)}`);
  process.exitCode = 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
