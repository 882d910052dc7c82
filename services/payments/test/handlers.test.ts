import { createCommand, type Envelope, type EventEnvelope } from "@keel/contracts";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import { makeHandler as makeAuthorize } from "../src/handlers/authorize-payment";
import { makeHandler as makeVoid } from "../src/handlers/void-payment";
import { memoryIntents, memoryPayments, scriptedProvider } from "./fakes";

let table: Awaited<ReturnType<typeof idempotencyTable>>;
beforeAll(async () => {
  table = await idempotencyTable();
});
afterAll(() => table.dynamo.close());

const busEvent = (detail: Envelope): EventBridgeEvent<string, unknown> => ({
  version: "0",
  id: crypto.randomUUID(),
  "detail-type": detail.meta.messageType === "command" ? detail.meta.commandName : detail.meta.eventName,
  source: "com.example.orders.workflow",
  account: "000000000000",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail,
});

const initiator = { type: "service", id: "orders.workflow" } as const;

function harness() {
  const payments = memoryPayments();
  const scripted = scriptedProvider((customerId) =>
    customerId === "CUST-DECLINE"
      ? { approved: false, reason: "CARD_DECLINED" }
      : { approved: true, authorizationId: `auth-${customerId}` },
  );
  const published: EventEnvelope[] = [];
  const options = {
    persistenceStore: table.store,
    publisher: () => ({
      publish: async (envelopes: readonly Envelope[]) => {
        published.push(...(envelopes as EventEnvelope[]));
        return envelopes.map(() => "id");
      },
    }),
  };
  const intents = memoryIntents();
  const deps = () => ({ payments, provider: scripted.provider, intents });
  return { authorize: makeAuthorize(deps, options), void: makeVoid(deps, options), published, payments, scripted };
}

const authorizeCommand = (customerId: string, replyTo = "token") =>
  createCommand(
    "AuthorizePayment",
    { orderId: `ORD-${customerId}`, customerId, amount: 12.5, currency: "AUD", paymentMethodToken: "tok_1" },
    { tenantId: "tenant-1", initiator, replyTo: { taskToken: replyTo } },
  );

describe("payments handlers", () => {
  it("AuthorizePayment answers PaymentAuthorized to the waiting workflow", async () => {
    const test = harness();
    const command = authorizeCommand("CUST-A");
    await test.authorize(busEvent(command), lambdaContext());
    expect(test.published[0]).toMatchObject({
      meta: { eventName: "PaymentAuthorized", causationId: command.meta.commandId, replyTo: { taskToken: "token" } },
      data: { orderId: "ORD-CUST-A", authorizationId: "auth-CUST-A", amount: 12.5 },
    });
  });

  it("AuthorizePayment answers PaymentFailed for a declined card", async () => {
    const test = harness();
    await test.authorize(busEvent(authorizeCommand("CUST-DECLINE")), lambdaContext());
    expect(test.published[0]).toMatchObject({
      meta: { eventName: "PaymentFailed" },
      data: { reason: "CARD_DECLINED" },
    });
  });

  it("a redelivered AuthorizePayment charges nothing twice and answers the new waiter", async () => {
    const test = harness();
    const command = authorizeCommand("CUST-B", "first");
    await test.authorize(busEvent(command), lambdaContext());
    await test.authorize(
      busEvent({ ...command, meta: { ...command.meta, replyTo: { taskToken: "second" } } }),
      lambdaContext(),
    );
    expect(test.scripted.held).toEqual(["auth-CUST-B"]);
    expect(test.published.map((event) => event.meta.replyTo?.taskToken)).toEqual(["first", "second"]);
  });

  it("VoidPayment releases the hold and reports PaymentVoided", async () => {
    const test = harness();
    await test.authorize(busEvent(authorizeCommand("CUST-C")), lambdaContext());
    const voidCommand = createCommand(
      "VoidPayment",
      { orderId: "ORD-CUST-C", reason: "out of stock" },
      { tenantId: "tenant-1", initiator },
    );
    await test.void(busEvent(voidCommand), lambdaContext());
    expect(test.published[1]).toMatchObject({
      meta: { eventName: "PaymentVoided" },
      data: { outcome: "VOIDED", authorizationId: "auth-CUST-C" },
    });
    expect(test.scripted.voided).toEqual(["auth-CUST-C"]);
  });
});
