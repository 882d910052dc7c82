import { randomUUID } from "node:crypto";
import { DeleteItemCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { coverage, type Grant } from "@keel/local";
import { SystemUnderTest } from "@keel/local/testing";

/**
 * Governance, measured on the running system. One run takes every path of both the orchestration
 * and the saga, then:
 * - least privilege: every function ran with its own role from the packaged template, the runtime
 *   refused every call the role did not allow (as AWS would), nothing was refused, and every
 *   grant of every role was used — but for the few kinds documented in EXEMPT, which a local run
 *   cannot exercise or need not exercise per function;
 * - personal data: the payment token and the customer's contact details, unique to this run, are
 *   in no log line of any function, no runtime record and no audit record.
 */

let system: SystemUnderTest;
let token: string;

beforeAll(async () => {
  // Every function logs every event it receives (Powertools' logEvent), as when debugging in
  // production: personal data must stay out of the logs even then.
  const logEvents = { POWERTOOLS_LOGGER_LOG_EVENT: "true" };
  system = await SystemUnderTest.start({
    environment: {
      orders: logEvents,
      // The simulated provider keeps CUST-SLOW waiting longer than the workflow waits (30 s × 0.1).
      payments: { ...logEvents, SIMULATED_PROVIDER_SLOW_MS: "4500" },
      inventory: logEvents,
      platform: logEvents,
      // Real SES and SNS calls (the local runtime keeps what they send), not the recording transport.
      notifications: { ...logEvents, NOTIFICATION_TRANSPORT: "aws" },
    },
  });
  token = await system.token("tenant-001", "user-123");
}, 180_000);
afterAll(() => system?.stop());

/** Values that appear nowhere else: any trace of them in a log or an audit record is a leak. */
const TOKEN = `tok_${randomUUID().replaceAll("-", "")}`;
const EMAIL = `ada.${randomUUID().slice(0, 8)}@example.com`;
const PHONE = `+614${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
const SECRETS = [TOKEN, EMAIL, PHONE];

const order = (overrides: Record<string, unknown> = {}) => ({
  customerId: "CUST-9001",
  currency: "AUD",
  items: [
    { sku: "SKU-123", qty: 2, unitPrice: 49.95 },
    { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
  ],
  paymentMethodToken: TOKEN,
  contact: { email: EMAIL, phone: PHONE },
  ...overrides,
});
const OUT_OF_STOCK = [
  { sku: "SKU-123", qty: 1, unitPrice: 10 },
  { sku: "OUT-OF-STOCK", qty: 1, unitPrice: 5 },
];
const TERMINAL = new Set(["SHIPPING_SCHEDULED", "REJECTED", "INVENTORY_FAILED", "INVENTORY_RELEASED"]);

async function place(path: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const accepted = await system.request<{ orderId: string }>("POST", path, { token, body, headers });
  expect(accepted.status).toBe(202);
  return accepted.body.orderId;
}

async function settled(orderId: string) {
  const answer = await system.poll(
    () => system.request<{ status: string }>("GET", `/orders/${orderId}`, { token }),
    (reply) => reply.status === 200 && TERMINAL.has(reply.body.status),
  );
  return answer.body.status;
}

/** Grants a run is not expected to exercise for every function, and why each is still needed. */
const EXEMPT: Array<{ test: (grant: Grant) => boolean; reason: string }> = [
  {
    test: (grant) => grant.statement.sid === "ReadOnConflict",
    reason: "a read after a conditional write found the item already there: a redelivery after a crash",
  },
  {
    test: (grant) => /^(logs|xray):/.test(grant.action),
    reason: "used by the Lambda service (its log stream) and the X-Ray SDK, not by the function's code",
  },
  {
    test: (grant) => grant.statement.sid?.startsWith("LambdaDestination") === true,
    reason:
      "Lambda delivering an asynchronous result to a destination: exercised here for success (projectOrder) and failure (notifyPaymentFailed); every function's grant is generated the same way from its `destinations`",
  },
  {
    test: (grant) =>
      grant.action.startsWith("kms:") && JSON.stringify(grant.statement.condition ?? {}).includes("kms:ViaService"),
    reason:
      "used by DynamoDB on the caller's behalf (kms:ViaService) for a table encrypted with its own key; the local DynamoDB does not encrypt",
  },
  {
    test: (grant) =>
      grant.statement.sid === "PowertoolsIdempotency" && /^dynamodb:(GetItem|DeleteItem)$/.test(grant.action),
    reason:
      "Powertools idempotency: GetItem reads a record a conditional put did not return, DeleteItem removes the record of a failed invocation so its retry runs again",
  },
];

describe("each function's role allows what it uses, and nothing else", () => {
  it("runs every path of both flows with no call refused", async () => {
    // One at a time: the workflow waits 3 s (30 s × 0.1) for a reply, and cold starts of every
    // function at once on a small machine can take longer.
    const key = randomUUID();
    const orchestrated: string[] = [];
    for (const body of [
      order({ orderId: `ORD-${randomUUID()}` }),
      order({ orderId: `ORD-${randomUUID()}`, customerId: "CUST-DECLINE" }),
      order({ orderId: `ORD-${randomUUID()}`, items: OUT_OF_STOCK }),
    ]) {
      const orderId = await place("/orders", body, orchestrated.length === 0 ? { "idempotency-key": key } : {});
      await settled(orderId);
      orchestrated.push(orderId);
    }
    // The same Idempotency-Key again: answered from the idempotency record.
    const again = await system.request<{ orderId: string }>("POST", "/orders", {
      token,
      body: order({ orderId: orchestrated[0] }),
      headers: { "idempotency-key": key },
    });
    expect(again.body.orderId).toBe(orchestrated[0]);

    // The provider answers after the workflow gave up: the payment is voided, then the late
    // approval is released by the authorisation itself.
    expect(
      await settled(await place("/orders", order({ orderId: `ORD-${randomUUID()}`, customerId: "CUST-SLOW" }))),
    ).toBe("REJECTED");

    // Persisting fails: the workflow compensates (ReleaseInventory, VoidPayment).
    system.runtime.functions.injectFault("keel-orders-local-persistOrder", {
      errorType: "ServiceUnavailable",
      errorMessage: "the orders table is unavailable",
    });
    const compensated = await place("/orders", order({ orderId: `ORD-${randomUUID()}` }));
    expect(await settled(compensated)).toBe("REJECTED");
    system.runtime.functions.clearFaults("keel-orders-local-persistOrder");

    // An order id another order holds: rejected before any workflow starts.
    const duplicate = await place("/orders", order({ orderId: orchestrated[1] }));
    expect(duplicate).toBe(orchestrated[1]);

    const saga: string[] = [];
    for (const body of [order(), order({ customerId: "CUST-DECLINE" }), order({ items: OUT_OF_STOCK })]) {
      const orderId = await place("/saga/orders", body, saga.length === 0 ? { "idempotency-key": randomUUID() } : {});
      await settled(orderId);
      saga.push(orderId);
    }
    // OrderPlaced reaches payments after InventoryReserved (EventBridge does not keep order): the
    // reaction to OrderPlaced is then the one that charges.
    system.runtime.faults.configure({
      delayRate: 1,
      minDelayMs: 1500,
      maxDelayMs: 1500,
      targets: ["keel-payments-local-chargePlacedOrder"],
    });
    const reordered = await place("/saga/orders", order());
    expect(await settled(reordered)).toBe("SHIPPING_SCHEDULED");
    system.runtime.faults.configure({});
    expect(
      system.runtime.faults.injected().by[
        "delay arn:aws:lambda:us-east-1:000000000000:function:keel-payments-local-chargePlacedOrder"
      ],
    ).toBe(1);

    const outcomes = await Promise.all([...orchestrated, ...saga].map(settled));
    expect(outcomes).toEqual([
      "SHIPPING_SCHEDULED",
      "REJECTED",
      "REJECTED",
      "SHIPPING_SCHEDULED",
      "INVENTORY_RELEASED",
      "INVENTORY_FAILED",
    ]);
    await system.idle(120_000);

    // A consumer failing all three attempts Lambda makes: its invocation record goes to its
    // onFailure destination. Only declined orders publish PaymentFailed: one order, one chain.
    system.runtime.functions.injectFault("keel-notifications-local-notifyPaymentFailed", {
      errorType: "Error",
      times: 3,
    });
    expect(
      await settled(await place("/orders", order({ orderId: `ORD-${randomUUID()}`, customerId: "CUST-DECLINE" }))),
    ).toBe("REJECTED");
    await system.idle(120_000);
    expect(
      system.runtime.iam
        .usage()
        .filter((use) => use.context["events:detail-type"] === "Lambda Function Invocation Result - Failure")
        .map((use) => `${use.function} ${use.decision}`),
    ).toEqual(["keel-notifications-local-notifyPaymentFailed Allow"]);

    expect(system.runtime.iam.mode).toBe("enforce");
    expect(system.runtime.iam.denials()).toEqual([]);
    expect(system.records.filter((record) => record.type === "iam.denied")).toEqual([]);
    // The notifications went out through SES and SNS, under the same checks.
    expect(system.runtime.outbox.emails.length).toBeGreaterThan(0);
    expect(system.runtime.outbox.sms.map((sms) => sms.phoneNumber)).toContain(PHONE);
  }, 240_000);

  it("leaves no grant unused but for the documented kinds", () => {
    const report = coverage(
      system.runtime.model.functions,
      system.runtime.iam.usage(),
      (grant) => EXEMPT.find((exemption) => exemption.test(grant))?.reason,
    );
    const describe = (grant: Grant) => `${grant.function.replace(/^keel-/, "")}: ${grant.action} on ${grant.resource}`;
    expect(report.unused.map(describe)).toEqual([]);
    // Every function made calls, and the run exercised a large share of what roles grant.
    expect(report.used.length).toBeGreaterThan(60);
    const destinations = report.used.filter((grant) => grant.statement.sid?.startsWith("LambdaDestination"));
    expect(destinations.map((grant) => grant.function)).toEqual(
      expect.arrayContaining(["keel-orders-local-projectOrder", "keel-notifications-local-notifyPaymentFailed"]),
    );
  });

  it("refuses a call the role does not allow, as AWS refuses it", async () => {
    const as = (name: string) => {
      const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = system.runtime.iam.credentialsFor(name);
      return {
        region: "us-east-1",
        credentials: {
          accessKeyId: AWS_ACCESS_KEY_ID,
          secretAccessKey: AWS_SECRET_ACCESS_KEY,
          sessionToken: AWS_SESSION_TOKEN,
        },
      };
    };
    // getOrder reads orders; it may not delete them.
    const dynamo = new DynamoDBClient({ ...as("getOrder"), endpoint: system.runtime.endpoints.dynamodb });
    await expect(
      dynamo.send(new DeleteItemCommand({ TableName: "keel-local-orders", Key: { orderKey: { S: "x" } } })),
    ).rejects.toMatchObject({
      name: "AccessDeniedException",
      message: expect.stringMatching(
        /assumed-role\/.*getOrder.* is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/keel-local-orders because no identity-based policy allows/,
      ),
    });
    dynamo.destroy();
    // postOrders sends CreateOrder as com.example.orders.api; it may not speak for payments.
    const events = new EventBridgeClient({ ...as("postOrders"), endpoint: system.runtime.endpoints.eventbridge });
    await expect(
      events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: "keel-local-commands",
              Source: "com.example.payments.service",
              DetailType: "CreateOrder",
              Detail: "{}",
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "AccessDeniedException", message: expect.stringContaining("events:PutEvents") });
    events.destroy();
    expect(system.runtime.iam.denials().map((use) => `${use.function} ${use.action}`)).toEqual([
      "keel-orders-local-getOrder dynamodb:DeleteItem",
      "keel-orders-local-postOrders events:PutEvents",
    ]);
  });
});

describe("personal data stays out of logs and audit records", () => {
  const leaks = (text: string) => SECRETS.filter((secret) => text.includes(secret));

  it("is in no function's log line", () => {
    const logs = system.runtime.logs;
    // The run logged plenty, about these very orders: the check is not vacuous.
    expect(logs.length).toBeGreaterThan(200);
    expect(new Set(logs.map((line) => line.functionName)).size).toBeGreaterThan(15);
    expect(logs.some((line) => line.line.includes("CUST-9001"))).toBe(true);
    const leaking = logs.filter((line) => leaks(line.line).length > 0);
    expect(leaking.map((line) => `${line.functionName}: ${line.line.slice(0, 300)}`)).toEqual([]);
  });

  it("is in no record the runtime prints", () => {
    expect(leaks(JSON.stringify(system.records))).toEqual([]);
  });

  it("is in no audit record, though the audit trail holds every message of these orders", async () => {
    const records = await system.scan<Record<string, unknown>>("platform", "AuditTable");
    expect(records.length).toBeGreaterThan(100);
    const text = JSON.stringify(records);
    expect(text).toContain("CreateOrder");
    expect(text).toContain("NotificationSent");
    expect(leaks(text)).toEqual([]);
  });

  it("reached the people it is for, through SES and SNS", () => {
    expect(system.runtime.outbox.emails.flatMap((email) => email.to)).toContain(EMAIL);
    expect(system.runtime.outbox.sms.map((sms) => sms.phoneNumber)).toContain(PHONE);
  });
});
