import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { SystemUnderTest } from "@keel/local/testing";
import { ulid } from "ulid";

/**
 * The orchestrated CreateOrder flow end to end on the local runtime: real HTTP in, the real
 * handlers of every service, EventBridge rules and the state machine from the serverless.yml files.
 */

let system: SystemUnderTest;
let token: string;
const MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:keel-local-create-order";
/** How long the simulated provider keeps CUST-SLOW waiting: longer than the workflow waits (30 s × 0.1). */
const SLOW_PROVIDER_MS = 4500;

beforeAll(async () => {
  system = await SystemUnderTest.start({
    environment: { payments: { SIMULATED_PROVIDER_SLOW_MS: String(SLOW_PROVIDER_MS) } },
  });
  token = await system.token("tenant-001", "user-123");
}, 180_000);

afterAll(() => system?.stop());

interface Accepted {
  commandId: string;
  correlationId: string;
  orderId: string;
  status: string;
  statusUrl: string;
}

interface OrderView {
  orderId: string;
  status: "PENDING" | "CREATED" | "REJECTED" | "SHIPPING_SCHEDULED";
  trackingNumber?: string;
  reason?: string;
  detail?: string;
  startedBy: string;
  history: Array<{ what: string }>;
}

const orderBody = (overrides: Record<string, unknown> = {}) => ({
  orderId: `ORD-${ulid()}`,
  customerId: "CUST-9001",
  currency: "AUD",
  items: [
    { sku: "SKU-123", qty: 2, unitPrice: 49.95 },
    { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
  ],
  paymentMethodToken: "tok_abc123",
  contact: { email: "ada@example.com" },
  ...overrides,
});

async function place(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const answer = await system.request<Accepted>("POST", "/orders", { token, body, headers });
  expect(answer.status).toBe(202);
  return answer.body;
}

/** Waits for the order to leave PENDING (GET /orders/{id} over HTTP), then for the system to settle. */
async function outcome(orderId: string): Promise<OrderView> {
  await system.poll(
    () => system.request<OrderView>("GET", `/orders/${orderId}`, { token }),
    (got) => got.status === 200 && got.body.status !== "PENDING",
  );
  await system.idle();
  return (await system.request<OrderView>("GET", `/orders/${orderId}`, { token })).body;
}

async function stock(sku: string) {
  const item = await system.item<{ available: number; holds: Record<string, number> }>("inventory", "StockTable", {
    sku,
  });
  if (!item) throw new Error(`no stock item ${sku}`);
  return item;
}
const payment = (orderId: string) =>
  system.item<{ status: string; amount?: number }>("payments", "PaymentsTable", {
    paymentKey: `tenant-001#${orderId}`,
  });
const reservation = (orderId: string) =>
  system.item<{ status: string; reservationId: string }>("inventory", "ReservationsTable", {
    reservationKey: `tenant-001#${orderId}`,
  });
const names = (filter: Parameters<SystemUnderTest["messages"]>[0]) =>
  system.messages(filter).map((message) => message.meta.commandName ?? message.meta.eventName);

describe("the happy path", () => {
  it("creates the order: OrderCreated caused by the command, stock taken, payment held, customer told, audit complete", async () => {
    const before = { sku123: (await stock("SKU-123")).available, sku999: (await stock("SKU-999")).available };
    const body = orderBody();
    const answer = await system.request<Accepted>("POST", "/orders", { token, body });
    expect(answer.status).toBe(202);
    expect(answer.headers.get("location")).toBe(`/orders/${body.orderId}`);
    expect(answer.body).toMatchObject({
      orderId: body.orderId,
      status: "PENDING",
      statusUrl: `/orders/${body.orderId}`,
    });
    const { commandId, correlationId } = answer.body;

    const order = await outcome(body.orderId);
    expect(order).toMatchObject({
      status: "SHIPPING_SCHEDULED",
      startedBy: commandId,
      trackingNumber: expect.stringMatching(/^TRK-/),
    });
    expect(order.history.map((entry) => entry.what)).toEqual(["accepted", "OrderCreated", "ShippingScheduled"]);

    const [created] = system.messages({ name: "OrderCreated", orderId: body.orderId });
    expect(created?.meta).toMatchObject({
      causationId: commandId,
      correlationId,
      tenantId: "tenant-001",
      producer: "orders.workflow",
    });
    expect(created?.data).toMatchObject({ status: "CREATED", totalAmount: 119.85, currency: "AUD" });

    expect((await stock("SKU-123")).available).toBe(before.sku123 - 2);
    expect((await stock("SKU-999")).available).toBe(before.sku999 - 1);
    const held = await reservation(body.orderId);
    expect(held?.status).toBe("COMMITTED");
    expect((await stock("SKU-123")).holds).not.toHaveProperty(held?.reservationId ?? "none");
    expect(await payment(body.orderId)).toMatchObject({ status: "AUTHORIZED", amount: 119.85 });

    const notifications = await system.query<{ template: string; channel: string }>(
      "notifications",
      "NotificationsTable",
      "orderKey",
      `tenant-001#${body.orderId}`,
    );
    expect(notifications).toEqual([expect.objectContaining({ template: "order-created", channel: "email" })]);

    const audit = (
      await system.query<{ kind: string; name: string; recordKey: string }>(
        "platform",
        "AuditTable",
        "correlationId",
        correlationId,
      )
    ).map((record) => `${record.kind}:${record.name}`);
    const chain = [
      "command:CreateOrder",
      "workflow.started:keel-local-create-order",
      "command:AuthorizePayment",
      "event:PaymentAuthorized",
      "command:ReserveInventory",
      "event:InventoryReserved",
      "event:OrderCreated",
    ];
    expect(audit.filter((entry) => chain.includes(entry))).toEqual(chain);
    expect(audit).toEqual(
      expect.arrayContaining([
        "step.succeeded:FraudCheck",
        "step.succeeded:AuthorizePayment",
        "step.succeeded:ReserveInventory",
        "step.succeeded:PersistOrder",
        "step.succeeded:PublishOrderCreated",
        "consumer.processed:notifyOrderCreated",
        "consumer.processed:projectOrder",
        "consumer.processed:commitReservation",
        "workflow.succeeded:keel-local-create-order",
      ]),
    );
  });
});

describe("the failure paths: each ends REJECTED with the right reason and holds nothing", () => {
  it("out of stock: the payment is voided and no stock is taken, not even of the lines in stock", async () => {
    const before = (await stock("SKU-123")).available;
    const body = orderBody({
      items: [
        { sku: "SKU-123", qty: 1, unitPrice: 10 },
        { sku: "OUT-OF-STOCK", qty: 1, unitPrice: 5 },
      ],
    });
    await place(body);
    expect(await outcome(body.orderId)).toMatchObject({ status: "REJECTED", reason: "OUT_OF_STOCK" });
    expect((await stock("SKU-123")).available).toBe(before);
    expect(await reservation(body.orderId)).toMatchObject({ status: "FAILED" });
    expect(await payment(body.orderId)).toMatchObject({ status: "VOIDED" });
    expect(names({ orderId: body.orderId })).toEqual(
      expect.arrayContaining(["VoidPayment", "PaymentVoided", "OrderRejected"]),
    );
  });

  it("declined card: nothing was held, so nothing is compensated", async () => {
    const body = orderBody({ customerId: "CUST-DECLINE" });
    await place(body);
    const order = await outcome(body.orderId);
    expect(order).toMatchObject({ status: "REJECTED", reason: "PAYMENT_DECLINED" });
    expect(order.detail).toContain("CARD_DECLINED");
    expect(await payment(body.orderId)).toMatchObject({ status: "DECLINED" });
    expect(await reservation(body.orderId)).toBeUndefined();
    expect(names({ orderId: body.orderId })).not.toContain("VoidPayment");
    expect(names({ orderId: body.orderId })).toEqual(expect.arrayContaining(["PaymentFailed", "OrderRejected"]));
  });

  it("fraud: rejected before anything is asked of payments or inventory", async () => {
    const body = orderBody({ customerId: "CUST-FRAUD" });
    await place(body);
    const order = await outcome(body.orderId);
    expect(order).toMatchObject({
      status: "REJECTED",
      reason: "FRAUD_SUSPECTED",
      detail: "the customer is on the deny list",
    });
    expect(names({ bus: "commands", orderId: body.orderId })).toEqual(["CreateOrder"]);
    expect(names({ bus: "events", orderId: body.orderId })).toEqual(["OrderRejected", "NotificationSent"]);
    expect(await payment(body.orderId)).toBeUndefined();
  });

  it("payment timeout: voided in case it authorised late — and the late approval is released", async () => {
    const body = orderBody({ customerId: "CUST-SLOW" });
    await place(body);
    const order = await system.poll(
      () => system.request<OrderView>("GET", `/orders/${body.orderId}`, { token }),
      (got) => got.status === 200 && got.body.status !== "PENDING",
    );
    expect(order.body).toMatchObject({ status: "REJECTED", reason: "PAYMENT_TIMEOUT" });
    await system.idle();
    expect(await payment(body.orderId)).toMatchObject({ status: "VOIDED" });
    const holds = (
      await system.scan<{ customerId: string; status: string; idempotencyKey: string }>(
        "payments",
        "ProviderLedgerTable",
      )
    ).filter((hold) => hold.customerId === "CUST-SLOW");
    expect(holds.map((hold) => hold.status)).toEqual(["VOIDED"]);
    expect(system.messages({ name: "PaymentFailed", orderId: body.orderId })[0]?.data).toMatchObject({
      reason: "AUTHORIZATION_CANCELLED",
    });
  }, 60_000);

  it("persist failure: stock released and payment voided before OrderRejected", async () => {
    const before = (await stock("SKU-999")).available;
    const body = orderBody({ items: [{ sku: "SKU-999", qty: 3, unitPrice: 1 }] });
    system.runtime.functions.injectFault("keel-orders-local-persistOrder", {
      errorType: "ServiceUnavailable",
      errorMessage: "the orders table is unavailable",
    });
    try {
      await place(body);
      const order = await outcome(body.orderId);
      expect(order).toMatchObject({ status: "REJECTED", reason: "PERSIST_FAILED" });
      expect(order.detail).toContain("the orders table is unavailable");
    } finally {
      system.runtime.functions.clearFaults();
    }
    expect((await stock("SKU-999")).available).toBe(before);
    expect(await reservation(body.orderId)).toMatchObject({ status: "RELEASED" });
    expect(await payment(body.orderId)).toMatchObject({ status: "VOIDED" });
    const sent = names({ orderId: body.orderId });
    expect(sent.indexOf("ReleaseInventory")).toBeLessThan(sent.indexOf("VoidPayment"));
    expect(sent.indexOf("VoidPayment")).toBeLessThan(sent.indexOf("OrderRejected"));
  });

  it("an order id already in use: the second order is rejected at once and the first is untouched", async () => {
    const body = orderBody({ items: [{ sku: "SKU-999", qty: 1, unitPrice: 1 }] });
    const first = await place(body);
    await outcome(body.orderId);
    const before = (await stock("SKU-999")).available;
    const second = await place({ ...body, customerId: "CUST-OTHER" });
    await system.poll(
      async () => system.messages({ name: "OrderRejected", orderId: body.orderId }),
      (rejections) => rejections.length > 0,
    );
    await system.idle();
    const [rejected] = system.messages({ name: "OrderRejected", orderId: body.orderId });
    expect(rejected?.meta.causationId).toBe(second.commandId);
    expect(rejected?.data).toMatchObject({ reason: "DUPLICATE_ORDER_ID" });
    expect(await outcome(body.orderId)).toMatchObject({ status: "SHIPPING_SCHEDULED", startedBy: first.commandId });
    expect(await payment(body.orderId)).toMatchObject({ status: "AUTHORIZED" });
    expect((await stock("SKU-999")).available).toBe(before);
  });
});

describe("duplicates", () => {
  it("20 concurrent identical requests with one Idempotency-Key make one command and one execution", async () => {
    const body = orderBody();
    const key = `key-${ulid()}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        system.request<Accepted>("POST", "/orders", { token, body, headers: { "idempotency-key": key } }),
      ),
    );
    const accepted = answers.filter((answer) => answer.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);
    expect(new Set(accepted.map((answer) => answer.body.commandId)).size).toBe(1);
    await outcome(body.orderId);
    const replay = await system.request<Accepted>("POST", "/orders", {
      token,
      body,
      headers: { "idempotency-key": key },
    });
    expect(replay.body.commandId).toBe(accepted[0]?.body.commandId);
    expect(names({ bus: "commands", name: "CreateOrder", orderId: body.orderId })).toHaveLength(1);
    const sfn = new SFNClient({
      endpoint: system.runtime.endpoints.stepfunctions,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }))).executions ?? [];
    sfn.destroy();
    expect(executions.filter((execution) => execution.name === replay.body.commandId)).toHaveLength(1);
    const reused = await system.request("POST", "/orders", {
      token,
      body: { ...body, currency: "NZD" },
      headers: { "idempotency-key": key },
    });
    expect(reused.status).toBe(422);
  });

  it("a redelivered command starts no second execution and charges nothing twice", async () => {
    const body = orderBody();
    const { commandId } = await place(body);
    await outcome(body.orderId);
    const eventBridge = new EventBridgeClient({
      endpoint: system.runtime.endpoints.eventbridge,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const resend = async (name: string) => {
      const [envelope] = system.messages({ bus: "commands", name, orderId: body.orderId });
      const source = name === "CreateOrder" ? "com.example.orders.api" : "com.example.orders.workflow";
      const result = await eventBridge.send(
        new PutEventsCommand({
          Entries: [
            { EventBusName: "keel-local-commands", Source: source, DetailType: name, Detail: JSON.stringify(envelope) },
          ],
        }),
      );
      expect(result.FailedEntryCount).toBe(0);
    };
    await resend("CreateOrder");
    await resend("AuthorizePayment");
    await system.idle();
    eventBridge.destroy();
    const sfn = new SFNClient({
      endpoint: system.runtime.endpoints.stepfunctions,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }))).executions ?? [];
    sfn.destroy();
    expect(executions.filter((execution) => execution.name === commandId)).toHaveLength(1);
    const holds = (await system.scan<{ idempotencyKey: string }>("payments", "ProviderLedgerTable")).filter(
      (hold) =>
        hold.idempotencyKey === system.messages({ name: "AuthorizePayment", orderId: body.orderId })[0]?.meta.commandId,
    );
    expect(holds).toHaveLength(1);
    expect(system.messages({ name: "OrderCreated", orderId: body.orderId })).toHaveLength(1);
  });
});

describe("bad input: a problem+json answer and nothing published", () => {
  const problem = (answer: { headers: Headers; body: Record<string, unknown> }) => {
    expect(answer.headers.get("content-type")).toBe("application/problem+json");
    return answer.body;
  };

  it.each([
    ["malformed JSON", { rawBody: "{oops", headers: { "content-type": "application/json" } }, 400],
    ["no token", { body: orderBody(), noToken: true }, 401],
    ["a body over 64 KiB", { body: orderBody({ customerId: "C".repeat(70_000) }) }, 413],
    ["a text body", { rawBody: "customerId=CUST-1", headers: { "content-type": "text/plain" } }, 415],
    ["a field that breaks the contract", { body: orderBody({ currency: "dollars" }) }, 422],
    ["an unknown field", { body: orderBody({ discountCode: "FREE" }) }, 422],
    [
      "an invalid x-correlation-id",
      { body: orderBody(), headers: { "x-correlation-id": "not a correlation id" } },
      400,
    ],
  ] as const)("%s", async (_name, options, status) => {
    const commandsBefore = system.messages({ bus: "commands" }).length;
    const answer = await system.request("POST", "/orders", {
      ...("noToken" in options && options.noToken ? {} : { token }),
      ...("body" in options ? { body: options.body } : {}),
      ...("rawBody" in options ? { rawBody: options.rawBody } : {}),
      ...("headers" in options ? { headers: options.headers } : {}),
    });
    expect(answer.status).toBe(status);
    if (status === 401) expect(answer.body).toEqual({ message: "Unauthorized" });
    else
      expect(problem(answer)).toMatchObject({
        status,
        type: expect.stringMatching(/^https:\/\/keel\.example\.com\/problems\//),
      });
    if (status === 422)
      expect(problem(answer).errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
      );
    await system.idle();
    expect(system.messages({ bus: "commands" }).length).toBe(commandsBefore);
  });

  it("another tenant's order does not exist", async () => {
    const body = orderBody();
    await place(body);
    await outcome(body.orderId);
    const other = await system.token("tenant-002", "user-9");
    const answer = await system.request("GET", `/orders/${body.orderId}`, { token: other });
    expect(answer.status).toBe(404);
    expect(problem(answer)).toMatchObject({ status: 404 });
  });
});
