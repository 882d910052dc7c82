import { createEvent, type Envelope, type EventEnvelope } from "@keel/contracts";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import { makeHandler as makeChargePlaced } from "../src/handlers/charge-placed-order";
import { makeHandler as makeChargeReserved } from "../src/handlers/charge-reserved-order";
import { memoryIntents, memoryPayments, scriptedProvider } from "./fakes";

/** The saga's payment: OrderPlaced and InventoryReserved joined, in either order, each delivered twice. */
let table: Awaited<ReturnType<typeof idempotencyTable>>;
beforeAll(async () => {
  table = await idempotencyTable();
});
afterAll(() => table.dynamo.close());

const bus = (detail: Envelope): EventBridgeEvent<string, unknown> => ({
  version: "0",
  id: crypto.randomUUID(),
  "detail-type": "X",
  source: "x",
  account: "000000000000",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: [],
  detail,
});

let count = 0;
function events(customerId = "CUST-1") {
  const orderId = `ORD-P${++count}`;
  const placed = createEvent(
    "OrderPlaced",
    {
      orderId,
      customerId,
      currency: "AUD",
      items: [{ sku: "SKU-123", qty: 2, unitPrice: 5 }],
      totalAmount: 10,
      paymentMethodToken: "tok_1",
    },
    { tenantId: "tenant-1" },
  );
  const reserved = createEvent(
    "InventoryReserved",
    { orderId, reservationId: "res_1", lines: [{ sku: "SKU-123", qty: 2 }] },
    { cause: placed },
  );
  return { placed, reserved, orderId };
}

function harness() {
  const payments = memoryPayments();
  const intents = memoryIntents();
  const scripted = scriptedProvider((customerId) =>
    customerId === "CUST-DECLINE"
      ? { approved: false, reason: "CARD_DECLINED" }
      : { approved: true, authorizationId: `auth-${customerId}` },
  );
  const published: EventEnvelope[] = [];
  const publisher = () => ({
    publish: async (envelopes: readonly Envelope[]) => {
      published.push(...(envelopes as EventEnvelope[]));
      return envelopes.map(() => "id");
    },
  });
  const deps = () => ({ payments, provider: scripted.provider, intents });
  const options = { persistenceStore: table.store, publisher };
  return {
    placed: makeChargePlaced(deps, options),
    reserved: makeChargeReserved(deps, options),
    published,
    payments,
    scripted,
  };
}

describe("charging an order of the saga", () => {
  it("charges once the stock is reserved, not before", async () => {
    const test = harness();
    const { placed, reserved } = events();
    await test.placed(bus(placed), lambdaContext());
    expect(test.published).toEqual([]);
    await test.reserved(bus(reserved), lambdaContext());
    expect(test.published.map((item) => item.meta.eventName)).toEqual(["PaymentCharged"]);
    expect(test.published[0]).toMatchObject({
      meta: { causationId: reserved.meta.eventId },
      data: { amount: 10, currency: "AUD" },
    });
  });

  it("charges once too when the reservation arrives before the order's payment details", async () => {
    const test = harness();
    const { placed, reserved, orderId } = events();
    await test.reserved(bus(reserved), lambdaContext());
    expect(test.published).toEqual([]);
    await test.placed(bus(placed), lambdaContext());
    expect(test.published.map((item) => item.meta.eventName)).toEqual(["PaymentCharged"]);
    expect(test.published[0]?.meta.causationId).toBe(placed.meta.eventId);
    expect(test.payments.items.get(`tenant-1#${orderId}`)).toMatchObject({
      status: "AUTHORIZED",
      authorizeCommandId: placed.meta.eventId,
    });
  });

  it("never charges twice: both events twice, in every order", async () => {
    const test = harness();
    const { placed, reserved } = events("CUST-TWICE");
    await test.reserved(bus(reserved), lambdaContext());
    await test.placed(bus(placed), lambdaContext());
    await test.reserved(bus(reserved), lambdaContext());
    await test.placed(bus(placed), lambdaContext());
    expect(test.scripted.held).toEqual(["auth-CUST-TWICE"]);
    const charged = test.published.filter((item) => item.meta.eventName === "PaymentCharged");
    expect(new Set(charged.map((item) => item.meta.eventId)).size).toBe(1);
  });

  it("reports a declined card as PaymentFailed, caused by the event that completed the pair", async () => {
    const test = harness();
    const { placed, reserved } = events("CUST-DECLINE");
    await test.placed(bus(placed), lambdaContext());
    await test.reserved(bus(reserved), lambdaContext());
    expect(test.published).toEqual([
      expect.objectContaining({
        meta: expect.objectContaining({ eventName: "PaymentFailed", causationId: reserved.meta.eventId }),
      }),
    ]);
    expect((test.published[0]?.meta.causationId ?? "").startsWith("evt_")).toBe(true);
  });
});
