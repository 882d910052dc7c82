import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Envelope, type EventEnvelope, registry } from "@keel/contracts";
import { MalformedMessageError } from "@keel/runtime";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import type { NotificationsDependencies } from "../src/adapters/dependencies";
import { recordingChannel } from "../src/adapters/recording-channel";
import { makeHandler as makeOrderCreated } from "../src/handlers/order-created";
import { makeHandler as makeOrderRejected } from "../src/handlers/order-rejected";
import { makeHandler as makePaymentFailed } from "../src/handlers/payment-failed";
import {
  capturingChannel,
  capturingPublisher,
  contact,
  memoryNotifications,
  OPS_EMAIL,
  orderCreated,
  orderRejected,
  paymentFailed,
  recordingLog,
} from "./fakes";

let table: Awaited<ReturnType<typeof idempotencyTable>>;
beforeAll(async () => {
  table = await idempotencyTable();
});
afterAll(() => table.dynamo.close());

const busEvent = (detail: EventEnvelope): EventBridgeEvent<string, unknown> => {
  const message = registry[detail.meta.eventName as keyof typeof registry];
  return {
    version: "0",
    id: crypto.randomUUID(),
    "detail-type": message.name,
    source: message.source,
    account: "000000000000",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [],
    detail,
  };
};

function harness(channel = recordingChannel()) {
  const notifications = memoryNotifications();
  const bus = capturingPublisher();
  const logs = recordingLog();
  const deps = (): NotificationsDependencies => ({
    notifications,
    channel,
    publisher: bus.publisher,
    log: logs.log,
    opsEmail: OPS_EMAIL,
  });
  const options = { persistenceStore: table.store };
  return {
    deps,
    orderCreated: makeOrderCreated(deps, options),
    orderRejected: makeOrderRejected(deps, options),
    paymentFailed: makePaymentFailed(deps, options),
    records: () => [...notifications.items.values()],
    published: bus.published as Envelope[],
    logs: logs.lines,
  };
}

describe("notifications handlers", () => {
  it("OrderCreated records the customer's email and SMS as sent and announces both", async () => {
    const test = harness();
    const event = orderCreated();
    await expect(test.orderCreated(busEvent(event), lambdaContext())).resolves.toEqual({
      handled: event.meta.eventId,
    });
    expect(test.records()).toEqual([
      expect.objectContaining({
        notificationId: `${event.meta.eventId}#email`,
        status: "SENT",
        recipient: contact.email,
      }),
      expect.objectContaining({
        notificationId: `${event.meta.eventId}#sms`,
        status: "SENT",
        recipient: contact.phone,
      }),
    ]);
    expect(test.published).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({ eventName: "NotificationSent", causationId: event.meta.eventId }),
        data: expect.objectContaining({ channel: "email", template: "order-created", about: "OrderCreated" }),
      }),
      expect.objectContaining({ data: expect.objectContaining({ channel: "sms" }) }),
    ]);
  });

  it("OrderRejected without a contact records nothing and logs it as information", async () => {
    const test = harness();
    await test.orderRejected(busEvent(orderRejected({ contact: undefined })), lambdaContext());
    expect(test.records()).toEqual([]);
    expect(test.published).toEqual([]);
    expect(test.logs).toEqual([{ level: "info", message: "no contact for order", attributes: { orderId: "ORD-2" } }]);
  });

  it("PaymentFailed tells the payments operations team", async () => {
    const test = harness();
    await test.paymentFailed(busEvent(paymentFailed()), lambdaContext());
    expect(test.records()).toEqual([
      expect.objectContaining({ orderKey: "tenant-1#ORD-3", recipient: OPS_EMAIL, template: "payment-failed" }),
    ]);
    expect(test.published[0]).toMatchObject({ data: { about: "PaymentFailed", recipient: OPS_EMAIL } });
  });

  it("a redelivered event sends nothing twice, inside the toolkit's idempotency window or past it", async () => {
    const channel = capturingChannel();
    const test = harness(channel.channel);
    const event = busEvent(orderCreated());
    await test.orderCreated(event, lambdaContext());
    await test.orderCreated(event, lambdaContext());
    // Past the window: the toolkit's record has expired (another, empty idempotency table).
    const expired = await idempotencyTable();
    try {
      await makeOrderCreated(test.deps, { persistenceStore: expired.store })(event, lambdaContext());
    } finally {
      await expired.dynamo.close();
    }
    expect(channel.sent.map((message) => message.channel)).toEqual(["email", "sms"]);
    expect(test.published).toHaveLength(2);
    // The late delivery did run, and found both notifications done.
    expect(test.logs.filter((line) => line.attributes.outcome === "already-done")).toHaveLength(2);
  });

  it("refuses an event that breaks its contract (it ends in the DLQ)", async () => {
    const test = harness();
    const event = orderCreated();
    const broken = { ...event, data: { ...event.data, totalAmount: -1 } };
    await expect(test.orderCreated(busEvent(broken), lambdaContext())).rejects.toBeInstanceOf(MalformedMessageError);
    expect(test.records()).toEqual([]);
  });

  it.each(readdirSync(join(__dirname, "..", "events")))("handles the sample event %s", async (file) => {
    const test = harness();
    const event = JSON.parse(readFileSync(join(__dirname, "..", "events", file), "utf8")) as EventBridgeEvent<
      string,
      EventEnvelope
    >;
    const handlers: Record<string, typeof test.orderCreated> = {
      OrderCreated: test.orderCreated,
      OrderRejected: test.orderRejected,
      PaymentFailed: test.paymentFailed,
    };
    await handlers[event["detail-type"]]?.(event, lambdaContext());
    expect(test.records().length).toBeGreaterThan(0);
    expect(test.records().every((record) => record.status === "SENT" && record.announcedAt)).toBe(true);
  });
});
