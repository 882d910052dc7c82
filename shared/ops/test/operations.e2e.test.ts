import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createEvent } from "@keel/contracts";
import { SystemUnderTest } from "@keel/local/testing";
import { type DeadLetter, DeadLetterQueue, deliver, deliveryOf, opsClients } from "@keel/ops";
import { chromium } from "playwright-core";
import { ulid } from "ulid";
import { cliFor, orderBody } from "./helpers";

/**
 * The operations commands end to end on the local runtime: every service in memory, the real
 * `keel trace|replay|dlq` commands reading `.keel/endpoints.json`, and the same @keel/ops code
 * they would run against AWS.
 */

let system: SystemUnderTest;
let cli: ReturnType<typeof cliFor>;
let token: string;
/** The order the first test fails on purpose, traced again by the page test. */
let failedOrder: { orderId: string; correlationId: string } | undefined;

beforeAll(async () => {
  system = await SystemUnderTest.start();
  cli = cliFor(system);
  token = await system.token("tenant-001", "user-123");
}, 180_000);

afterAll(async () => {
  cli?.close();
  await system?.stop();
});

interface OrderView {
  status: "PENDING" | "CREATED" | "REJECTED";
  reason?: string;
}

async function placeAndSettle(body: Record<string, unknown>) {
  const accepted = await system.request<{ commandId: string; correlationId: string; orderId: string }>(
    "POST",
    "/orders",
    { token, body },
  );
  expect(accepted.status).toBe(202);
  const order = await system.poll(
    () => system.request<OrderView>("GET", `/orders/${accepted.body.orderId}`, { token }),
    (got) => got.status === 200 && got.body.status !== "PENDING",
  );
  await system.idle();
  return { ...accepted.body, order: order.body };
}

const local = { region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" } };
const deadLetters = () => {
  const sqs = new SQSClient({ ...local, endpoint: system.runtime.endpoints.sqs });
  return { queue: new DeadLetterQueue(sqs, "keel-local-dead-letters", { waitSeconds: 0 }), sqs };
};
async function peekDeadLetters() {
  const { queue, sqs } = deadLetters();
  try {
    return await queue.peek();
  } finally {
    sqs.destroy();
  }
}
const notificationsOf = (orderId: string) =>
  system.query<{ template: string; channel: string }>(
    "notifications",
    "NotificationsTable",
    "orderKey",
    `tenant-001#${orderId}`,
  );
/** The envelopes published with this order id, and how many of them are replays. */
const published = (orderId: string) => {
  const all = system.messages({ orderId });
  return {
    originals: all.filter((message) => !message.meta.replayOf),
    replays: all.filter((message) => message.meta.replayOf),
  };
};

describe("keel trace", () => {
  it("traces a failed order end to end and names the step that failed", async () => {
    const orderId = `ORD-${ulid()}`;
    system.runtime.functions.injectFault("keel-orders-local-persistOrder", {
      errorType: "ServiceUnavailable",
      errorMessage: "the orders table is unavailable",
    });
    let placed: Awaited<ReturnType<typeof placeAndSettle>>;
    try {
      placed = await placeAndSettle(orderBody(orderId));
    } finally {
      system.runtime.functions.clearFaults();
    }
    expect(placed.order).toMatchObject({ status: "REJECTED", reason: "PERSIST_FAILED" });
    failedOrder = { orderId, correlationId: placed.correlationId };

    const text = await cli.run("trace", [orderId]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain(`conversation ${placed.correlationId}`);
    expect(text.stdout).toMatch(
      /orders workflow\s+PersistOrder\s+failed, caught .*ServiceUnavailable: the orders table is unavailable/,
    );
    expect(text.stdout).toMatch(/orders api\s+CreateOrder\s+sent/);
    expect(text.stdout).toMatch(/OrderRejected\s+published/);
    expect(text.stdout).toContain(`/_keel/trace/${orderId}`);

    // The same conversation, found by its correlation id and by its command id.
    for (const id of [placed.correlationId, placed.commandId]) {
      const again = await cli.run("trace", [id, "--format", "json"]);
      const parsed = JSON.parse(again.stdout) as { correlationIds: string[]; entries: unknown[] };
      expect(parsed.correlationIds).toEqual([placed.correlationId]);
    }

    const mermaid = await cli.run("trace", [orderId, "--format", "mermaid"]);
    expect(mermaid.stdout).toMatch(/^sequenceDiagram/);
    expect(mermaid.stdout).toContain("participant p_command_bus as command bus");
    expect(mermaid.stdout).toMatch(/p_orders_api->>p_command_bus: CreateOrder/);
    expect(mermaid.stdout).toMatch(/Note over p_orders_workflow: PersistOrder failed, caught ServiceUnavailable/);
  });

  it("is a command of the keel CLI", async () => {
    if (!failedOrder) throw new Error("the failed order of the first test is needed");
    const keel = join(__dirname, "..", "..", "local", "bin", "keel.js");
    const env = { ...process.env, KEEL_DATA_DIR: cli.dataDir };
    const help = await promisify(execFile)(process.execPath, [keel, "--help"], { env });
    for (const name of ["trace", "replay", "dlq"]) expect(help.stdout).toMatch(new RegExp(`keel ${name}\\s`));
    const traced = await promisify(execFile)(process.execPath, [keel, "trace", failedOrder.correlationId], { env });
    expect(traced.stdout).toMatch(/PersistOrder\s+failed, caught/);
  });

  it("says so clearly when nothing is found", async () => {
    const missing = await cli.run("trace", ["ORD-NO-SUCH-ORDER"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("nothing found for ORD-NO-SUCH-ORDER");
  });
});

const CHROMIUM = "/usr/bin/chromium";

describe("the trace page", () => {
  it("shows the timeline and draws the sequence diagram in headless Chromium", async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: \`npm test\` installs Debian's chromium package (npm run chromium)`);
    if (!failedOrder) throw new Error("the failed order of the first test is needed");
    const userDataDir = mkdtempSync(join(tmpdir(), "keel-chromium-"));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const url = `${system.runtime.endpoints.http}/_keel/trace/${failedOrder.orderId}`;
      const response = await page.goto(url);
      expect(response?.status()).toBe(200);
      await page.waitForSelector('body[data-rendered="true"], body[data-rendered="error"]', { timeout: 30_000 });
      expect(await page.locator("body").getAttribute("data-rendered")).toBe("true");
      expect(errors).toEqual([]);

      const failed = page.locator("#timeline tr.failed", { hasText: "PersistOrder" });
      await expect(failed.locator("td.outcome").textContent()).resolves.toBe("failed, caught");
      await expect(failed.locator("td.detail").textContent()).resolves.toContain("ServiceUnavailable");
      expect(await page.locator("#timeline tbody tr").count()).toBeGreaterThan(10);

      const diagram = page.locator("#diagram svg");
      await expect(diagram.count()).resolves.toBe(1);
      const drawn = (await diagram.textContent()) ?? "";
      for (const text of [
        "orders api",
        "command bus",
        "orders workflow",
        "payments",
        "event bus",
        "CreateOrder",
        "PersistOrder",
      ])
        expect(drawn).toContain(text);
      if (process.env.KEEL_SCREENSHOT) await page.screenshot({ path: process.env.KEEL_SCREENSHOT, fullPage: true });

      const missing = await page.goto(`${system.runtime.endpoints.http}/_keel/trace/ORD-NO-SUCH-ORDER`);
      expect(missing?.status()).toBe(404);
      await expect(page.locator("#nothing").textContent()).resolves.toContain("nothing found for ORD-NO-SUCH-ORDER");
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("keel replay", () => {
  let happy: { orderId: string; correlationId: string; commandId: string };
  let since: Date;

  beforeAll(async () => {
    // EventBridge times have whole seconds: the window starts at the second before.
    since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    const orderId = `ORD-${ulid()}`;
    const placed = await placeAndSettle(orderBody(orderId));
    expect(placed.order.status).toBe("CREATED");
    happy = { orderId, correlationId: placed.correlationId, commandId: placed.commandId };
    // A message that breaks its contract, in the same conversation: NotificationSent without its data.
    const broken = createEvent(
      "NotificationSent",
      {
        orderId,
        channel: "email",
        template: "order-created",
        recipient: "ada@example.com",
        about: "evt_01M85Y9HRCC1NERZFAJ4F8WQKP",
      } as never,
      { correlationId: placed.correlationId, tenantId: "tenant-001" },
    );
    const eventBridge = new EventBridgeClient({ ...local, endpoint: system.runtime.endpoints.eventbridge });
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: "keel-local-events",
            Source: "com.example.notifications.service",
            DetailType: "NotificationSent",
            Detail: JSON.stringify({ ...broken, data: { orderId, channel: "pigeon" } }),
          },
        ],
      }),
    );
    eventBridge.destroy();
    expect(result.FailedEntryCount).toBe(0);
    await system.idle();
  }, 60_000);

  it("dry run: validates every archived message, flags the invalid one, shows the rules and targets, publishes nothing", async () => {
    const before = system.messages().length;
    const run = await cli.run("replay", [
      "--bus",
      "events",
      "--from",
      since.toISOString(),
      "--correlation",
      happy.correlationId,
      "--dry-run",
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/NotificationSent\s+evt_\w+\s+INVALID data\.channel .*data\.template/);
    expect(run.stdout).toMatch(/OrderCreated\s+evt_\w+\s+valid v1\.1 → \d+ rule\(s\)/);
    expect(run.stdout).toMatch(/rule \S+ → lambda keel-notifications-local-notifyOrderCreated/);
    expect(run.stdout).toMatch(/rule \S+ → lambda keel-platform-local-auditMessage/);
    expect(run.stdout).toMatch(/Would send \d+, skipped 0, invalid 1 \(of \d+ archived message\(s\)\)/);
    const onlyOrders = await cli.run("replay", [
      "--bus",
      "events",
      "--from",
      since.toISOString(),
      "--type",
      "OrderCreated",
      "--tenant",
      "tenant-001",
      "--dry-run",
    ]);
    expect(onlyOrders.stdout).toMatch(/Would send 1, skipped 0, invalid 0 \(of 1 archived message\(s\)\)/);
    await system.idle();
    expect(system.messages().length).toBe(before);
  });

  it("replays a conversation on both buses with no second side effect", async () => {
    const sfn = new SFNClient({ ...local, endpoint: system.runtime.endpoints.stepfunctions });
    const executions = async () =>
      (
        (
          await sfn.send(
            new ListExecutionsCommand({
              stateMachineArn: "arn:aws:states:us-east-1:000000000000:stateMachine:keel-local-create-order",
            }),
          )
        ).executions ?? []
      ).filter((execution) => execution.name === happy.commandId);
    const ledger = async () =>
      (await system.scan<{ idempotencyKey: string; status: string }>("payments", "ProviderLedgerTable")).filter(
        (hold) =>
          published(happy.orderId).originals.some(
            (message) =>
              message.meta.commandName === "AuthorizePayment" && message.meta.commandId === hold.idempotencyKey,
          ),
      );
    const stock = async () =>
      (await system.item<{ available: number }>("inventory", "StockTable", { sku: "SKU-123" }))?.available;
    const order = async () => (await system.request<OrderView>("GET", `/orders/${happy.orderId}`, { token })).body;
    const messageIds = () =>
      new Set(published(happy.orderId).originals.map((message) => message.meta.commandId ?? message.meta.eventId));
    const before = {
      order: await order(),
      ids: messageIds(),
      notifications: await notificationsOf(happy.orderId),
      ledger: await ledger(),
      stock: await stock(),
    };
    expect(before.notifications).toHaveLength(1);
    expect(before.ledger).toHaveLength(1);

    const commands = await cli.run("replay", [
      "--bus",
      "commands",
      "--from",
      since.toISOString(),
      "--correlation",
      happy.correlationId,
    ]);
    const events = await cli.run("replay", [
      "--bus",
      "events",
      "--from",
      since.toISOString(),
      "--correlation",
      happy.correlationId,
    ]);
    expect(commands.stdout).toMatch(/Sent 3, skipped 0, invalid 0 \(of 3 archived message\(s\)\)/);
    expect(events.stdout).toMatch(/Sent \d+, skipped 0, invalid 1/);
    expect(events.stdout).toMatch(/NotificationSent .* INVALID/);
    await system.idle();

    const after = published(happy.orderId);
    expect(after.replays.length).toBeGreaterThan(3);
    for (const replay of after.replays) expect(replay.meta.replayOf).toBe(replay.meta.commandId ?? replay.meta.eventId);
    // Nothing happened twice: one notification, one hold at the provider, stock taken once, one
    // execution, no new message but the handlers' stored outcomes published again under their ids.
    expect(await notificationsOf(happy.orderId)).toEqual(before.notifications);
    expect(await ledger()).toEqual(before.ledger);
    expect(await stock()).toBe(before.stock);
    expect(await executions()).toHaveLength(1);
    sfn.destroy();
    expect(messageIds()).toEqual(before.ids);
    expect(await order()).toEqual(before.order);
    expect(await peekDeadLetters()).toEqual([]);

    // The trace shows the replays; a second replay of the window skips them.
    expect((await cli.run("trace", [happy.correlationId])).stdout).toMatch(/operator\s+CreateOrder\s+replayed/);
    const again = await cli.run("replay", [
      "--bus",
      "commands",
      "--from",
      since.toISOString(),
      "--correlation",
      happy.correlationId,
      "--dry-run",
    ]);
    expect(again.stdout).toMatch(/Would send 3, skipped 3, invalid 0/);
    expect(again.stdout).toContain("skipped: a replay itself");
  });
});

describe("keel dlq", () => {
  it("a consumer failing until its messages are dead letters, then fixed and redriven: nothing lost, nothing twice", async () => {
    const consumer = "keel-notifications-local-notifyOrderCreated";
    system.runtime.functions.injectFault(consumer, {
      errorType: "ServiceUnavailable",
      errorMessage: "the mail provider is down",
    });
    const orders = [`ORD-${ulid()}`, `ORD-${ulid()}`];
    let kept: DeadLetter | undefined;
    try {
      // Both orders at once: waiting for the system to settle would wait for Lambda's retries.
      for (const orderId of orders)
        expect((await system.request("POST", "/orders", { token, body: orderBody(orderId) })).status).toBe(202);
      for (const orderId of orders)
        await system.poll(
          () => system.request<OrderView>("GET", `/orders/${orderId}`, { token }),
          (got) => got.status === 200 && got.body.status !== "PENDING",
        );
      // Lambda's two retries (60 s and 120 s, scaled), then the failed-invocations rule.
      await system.poll(peekDeadLetters, (letters) => letters.length >= 2, 60_000);
      const letters = await peekDeadLetters();
      expect(letters).toHaveLength(2);
      for (const letter of letters)
        expect(letter).toMatchObject({
          shape: "failed-invocation",
          error: { type: "ServiceUnavailable", message: "the mail provider is down" },
          target: { kind: "lambda", name: consumer },
          attempts: 3,
          message: { name: "OrderCreated" },
        });
      for (const orderId of orders) expect(await notificationsOf(orderId)).toEqual([]);
      kept = letters[0];

      const grouped = await cli.run("dlq", ["list", "--group-by", "error"]);
      expect(grouped.stdout).toContain(`ServiceUnavailable: 2 dead letter(s), to ${consumer}`);
      const first = letters[0]?.messageId ?? "";
      const shown = await cli.run("dlq", ["show", first]);
      expect(shown.stdout).toMatch(/how\s+failed-invocation/);
      expect(shown.stdout).toMatch(
        new RegExp(
          `redrive\\s+Invoke \\(RequestResponse\\) arn:aws:lambda:us-east-1:000000000000:function:${consumer}`,
        ),
      );
      const traced = await cli.run("trace", [letters[0]?.message.orderId ?? ""]);
      expect(traced.stdout).toMatch(
        new RegExp(`notifications\\s+${consumer} ← OrderCreated\\s+dead-lettered — ServiceUnavailable`),
      );

      // Still failing: the redrive fails, and the dead letter stays.
      const failing = await cli.run("dlq", ["redrive", first]);
      expect(failing.exitCode).toBe(1);
      expect(failing.stdout).toContain("FAILED");
      expect(failing.stdout).toContain(
        "the function failed again — ServiceUnavailable: the mail provider is down; left in the queue",
      );
      expect(await peekDeadLetters()).toHaveLength(2);
      const dryRun = await cli.run("dlq", ["redrive", "--error", "ServiceUnavailable", "--dry-run"]);
      expect(dryRun.stdout.match(/would redeliver/g)).toHaveLength(2);
      expect(await peekDeadLetters()).toHaveLength(2);
    } finally {
      system.runtime.functions.clearFaults();
    }

    const redriven = await cli.run("dlq", ["redrive", "--error", "ServiceUnavailable"]);
    expect(redriven.exitCode).toBe(0);
    expect(redriven.stdout).toContain("Redelivered 2 of 2 dead letter(s).");
    await system.idle();
    expect(await peekDeadLetters()).toEqual([]);
    for (const orderId of orders) {
      expect(await notificationsOf(orderId)).toEqual([
        expect.objectContaining({ template: "order-created", channel: "email" }),
      ]);
      expect(system.messages({ name: "NotificationSent", orderId })).toHaveLength(1);
    }

    // A redrive whose delete was lost delivers again: the consumer's idempotency makes it harmless.
    if (!kept) throw new Error("no dead letter kept");
    const clients = opsClients({
      ...local,
      endpoints: { aws: system.runtime.endpoints.lambda, dynamodb: system.runtime.endpoints.dynamodb },
    });
    try {
      expect(await deliver(clients, await deliveryOf(clients, kept))).toContain("the function succeeded");
    } finally {
      clients.destroy();
    }
    await system.idle();
    const orderId = kept.message.orderId ?? "";
    expect(await notificationsOf(orderId)).toHaveLength(1);
    expect(system.messages({ name: "NotificationSent", orderId })).toHaveLength(1);
  }, 120_000);
});
