import { createCommand, createEvent, type Envelope, type EventEnvelope, parseEvent } from "@keel/contracts";
import type { EventBridgeEvent } from "aws-lambda";
import { commandHandler, eventConsumer, MalformedMessageError } from "../src";
import { idempotencyTable, lambdaContext } from "./support";

let table: Awaited<ReturnType<typeof idempotencyTable>>;
beforeAll(async () => {
  table = await idempotencyTable();
});
afterAll(() => table.dynamo.close());

const busEvent = (detail: unknown): EventBridgeEvent<string, unknown> => ({
  version: "0",
  id: crypto.randomUUID(),
  "detail-type": "X",
  source: "test",
  account: "000000000000",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail,
});

const initiator = { type: "service", id: "orders.workflow" } as const;
const authorize = (replyTo?: string) =>
  createCommand(
    "AuthorizePayment",
    { orderId: "ORD-1", customerId: "CUST-1", amount: 99.9, currency: "AUD", paymentMethodToken: "tok_1" },
    { tenantId: "tenant-1", initiator, ...(replyTo ? { replyTo: { taskToken: replyTo } } : {}) },
  );

function harness() {
  const published: Envelope[] = [];
  let handled = 0;
  const handler = commandHandler({
    commands: ["AuthorizePayment"],
    handle: async (command) => {
      handled += 1;
      return {
        event: "PaymentAuthorized",
        data: {
          orderId: command.data.orderId,
          authorizationId: "auth-1",
          amount: command.data.amount,
          currency: command.data.currency,
        },
      };
    },
    persistenceStore: table.store,
    publisher: () => ({
      publish: async (envelopes) => {
        published.push(...envelopes);
        return envelopes.map(() => "id");
      },
    }),
  });
  return { handler, published, handled: () => handled };
}

describe("the command handler stack", () => {
  it("publishes the outcome event with causation, correlation and the command's replyTo", async () => {
    const { handler, published } = harness();
    const command = authorize("token-1");
    await handler(busEvent(command), lambdaContext());
    const outcome = parseEvent("PaymentAuthorized", JSON.parse(JSON.stringify(published[0])));
    expect(outcome.meta).toMatchObject({
      causationId: command.meta.commandId,
      correlationId: command.meta.correlationId,
      tenantId: "tenant-1",
      replyTo: { taskToken: "token-1" },
    });
  });

  it("handles a redelivered command once, publishing the same outcome again with the redelivery's replyTo", async () => {
    const { handler, published, handled } = harness();
    const command = authorize("first-token");
    await handler(busEvent(command), lambdaContext());
    const redelivered = { ...command, meta: { ...command.meta, replyTo: { taskToken: "second-token" } } };
    await handler(busEvent(redelivered), lambdaContext());
    expect(handled()).toBe(1);
    const [first, second] = published as EventEnvelope[];
    expect(second?.meta.eventId).toBe(first?.meta.eventId);
    expect(first?.meta.replyTo).toEqual({ taskToken: "first-token" });
    expect(second?.meta.replyTo).toEqual({ taskToken: "second-token" });
  });

  it("refuses a malformed command (it goes to the DLQ) and one of another name", async () => {
    const { handler } = harness();
    const broken = authorize();
    (broken.meta as { commandId?: string }).commandId = undefined;
    await expect(handler(busEvent(broken), lambdaContext())).rejects.toBeInstanceOf(MalformedMessageError);
    const other = createCommand("VoidPayment", { orderId: "ORD-1", reason: "x" }, { tenantId: "t", initiator });
    await expect(handler(busEvent(other), lambdaContext())).rejects.toThrow(
      'meta.commandName must be AuthorizePayment, got "VoidPayment"',
    );
  });
});

describe("the event consumer stack", () => {
  const created = () =>
    createEvent(
      "OrderCreated",
      { orderId: "ORD-9", status: "CREATED", totalAmount: 10, currency: "AUD" },
      { tenantId: "tenant-1" },
    );

  it("handles each event id once, tolerating fields it does not know", async () => {
    const seen: string[] = [];
    const consumer = eventConsumer({
      events: ["OrderCreated"],
      handle: async (event) => void seen.push(event.data.orderId),
      persistenceStore: table.store,
    });
    const event = created();
    const withExtra = {
      ...event,
      data: { ...event.data, loyaltyTier: "gold" },
      meta: { ...event.meta, futureField: 1 },
    };
    await consumer(busEvent(withExtra), lambdaContext());
    await consumer(busEvent(event), lambdaContext());
    await consumer(busEvent({ ...event, meta: { ...event.meta, replayOf: event.meta.eventId } }), lambdaContext());
    expect(seen).toEqual(["ORD-9"]);
  });

  it("refuses a malformed event", async () => {
    const consumer = eventConsumer({
      events: ["OrderCreated"],
      handle: async () => undefined,
      persistenceStore: table.store,
    });
    const event = created();
    await expect(consumer(busEvent({ ...event, data: { orderId: "ORD-9" } }), lambdaContext())).rejects.toBeInstanceOf(
      MalformedMessageError,
    );
  });
});
