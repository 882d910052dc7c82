import { createEvent, type Envelope, type EventEnvelope } from "@keel/contracts";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import type { OrdersRepository } from "../src/domain/ports";
import { applyOutcome, type OrderView, type OutcomeEvent, placed as placedView } from "../src/domain/read-model";
import { type ConcludingEvent, concludeSaga } from "../src/domain/saga";
import { makeHandler as makeConclude } from "../src/handlers/conclude-saga";
import { makeHandler as makeProject } from "../src/handlers/project-order";

/** Orders' side of the saga, delivered twice and out of order. */
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

/** Orders in memory; `change` applies the step to a copy, like the adapter's optimistic update. */
function memoryOrders(): OrdersRepository & { views: Map<string, OrderView> } {
  const views = new Map<string, OrderView>();
  const key = (tenantId: string, orderId: string) => `${tenantId}#${orderId}`;
  return {
    views,
    accept: async (view) => {
      const existing = views.get(key(view.tenantId, view.orderId));
      if (existing) return existing.startedBy === view.startedBy ? "already-accepted" : "taken";
      views.set(key(view.tenantId, view.orderId), structuredClone(view));
      return "accepted";
    },
    get: async (tenantId, orderId) => views.get(key(tenantId, orderId)),
    persist: async (_t, _o, _c, record) => record.event,
    change: async (tenantId, orderId, step) => {
      const view = views.get(key(tenantId, orderId));
      if (!view) return undefined;
      const { view: next, result } = step(structuredClone(view));
      views.set(key(tenantId, orderId), next);
      return result;
    },
  };
}

let count = 0;
function saga() {
  const orderId = `ORD-O${++count}`;
  const placed = createEvent(
    "OrderPlaced",
    {
      orderId,
      customerId: "CUST-1",
      currency: "AUD",
      items: [{ sku: "SKU-123", qty: 2, unitPrice: 5 }],
      totalAmount: 10,
      paymentMethodToken: "tok_1",
      contact: { email: "ada@example.com" },
    },
    { tenantId: "tenant-1" },
  );
  const reserved = createEvent(
    "InventoryReserved",
    { orderId, reservationId: "res_1", lines: [{ sku: "SKU-123", qty: 2 }] },
    { cause: placed },
  );
  const charged = createEvent(
    "PaymentCharged",
    { orderId, paymentId: "auth_1", amount: 10, currency: "AUD" },
    { cause: reserved },
  );
  const failed = createEvent(
    "PaymentFailed",
    { orderId, reason: "CARD_DECLINED", amount: 10, currency: "AUD" },
    { cause: reserved },
  );
  const released = createEvent(
    "InventoryReleased",
    { orderId, outcome: "RELEASED", reservationId: "res_1" },
    { cause: failed },
  );
  const outOfStock = createEvent(
    "InventoryReservationFailed",
    { orderId, reason: "OUT_OF_STOCK", detail: "SKU-123: 0 of 2" },
    { cause: placed },
  );
  return { orderId, placed, charged, released, outOfStock };
}

function harness() {
  const orders = memoryOrders();
  const published: EventEnvelope[] = [];
  const publisher = () => ({
    publish: async (envelopes: readonly Envelope[]) => {
      published.push(...(envelopes as EventEnvelope[]));
      return envelopes.map(() => "id");
    },
  });
  return {
    orders,
    published,
    project: makeProject(() => orders, { persistenceStore: table.store }),
    conclude: makeConclude(() => orders, { persistenceStore: table.store, publisher }),
  };
}

describe("concluding the saga", () => {
  it("a charge creates the order once, however many times it arrives", async () => {
    const test = harness();
    const { orderId, placed, charged } = saga();
    await test.project(bus(placed), lambdaContext());
    await test.conclude(bus(charged), lambdaContext());
    await test.conclude(bus(charged), lambdaContext());
    const created = test.published.filter((event) => event.meta.eventName === "OrderCreated");
    expect(created).toHaveLength(2);
    expect(created[0]?.meta.eventId).toBe(created[1]?.meta.eventId);
    expect(created[0]?.data).toMatchObject({ orderId, totalAmount: 10, contact: { email: "ada@example.com" } });
  });

  it("the first conclusion wins: a late release after a charge changes nothing", async () => {
    const test = harness();
    const { orderId, placed, charged, released } = saga();
    await test.project(bus(placed), lambdaContext());
    await test.conclude(bus(charged), lambdaContext());
    await test.conclude(bus(released), lambdaContext());
    expect(test.published.map((event) => event.meta.eventName)).toEqual(["OrderCreated"]);
    expect(test.orders.views.get(`tenant-1#${orderId}`)?.concludedBy).toBe(charged.meta.eventId);
  });

  it("no stock: INVENTORY_FAILED and OrderRejected OUT_OF_STOCK; a failed payment: INVENTORY_RELEASED and PAYMENT_DECLINED", async () => {
    const test = harness();
    const first = saga();
    const second = saga();
    for (const order of [first, second]) await test.project(bus(order.placed), lambdaContext());
    await test.conclude(bus(first.outOfStock), lambdaContext());
    await test.conclude(bus(second.released), lambdaContext());
    expect(test.orders.views.get(`tenant-1#${first.orderId}`)).toMatchObject({
      status: "INVENTORY_FAILED",
      reason: "OUT_OF_STOCK",
    });
    expect(test.orders.views.get(`tenant-1#${second.orderId}`)).toMatchObject({
      status: "INVENTORY_RELEASED",
      reason: "PAYMENT_DECLINED",
    });
    expect(test.published.map((event) => event.data)).toEqual([
      expect.objectContaining({ orderId: first.orderId, reason: "OUT_OF_STOCK" }),
      expect.objectContaining({ orderId: second.orderId, reason: "PAYMENT_DECLINED" }),
    ]);
  });

  it("a conclusion that arrives before the order is placed is retried (the handler fails, Lambda retries)", async () => {
    const test = harness();
    const { charged } = saga();
    await expect(test.conclude(bus(charged), lambdaContext())).rejects.toThrow("is not placed yet");
  });
});

describe("the read model under reordering", () => {
  it("ends SHIPPING_SCHEDULED whether the shipment or the OrderCreated is projected first", () => {
    const { placed, charged } = saga();
    const view = placedView(placed);
    const { view: concluded, outcome } = concludeSaga(view, charged as ConcludingEvent);
    const created = outcome as unknown as OutcomeEvent;
    const shipped = createEvent(
      "ShippingScheduled",
      { orderId: view.orderId, trackingNumber: "TRK-ABCDEF123456" },
      { cause: outcome ?? placed },
    ) as unknown as OutcomeEvent;
    const inOrder = applyOutcome(applyOutcome(concluded, created), shipped);
    const reordered = applyOutcome(applyOutcome(concluded, shipped), created);
    expect(inOrder.status).toBe("SHIPPING_SCHEDULED");
    expect(reordered.status).toBe("SHIPPING_SCHEDULED");
    expect(reordered.trackingNumber).toBe("TRK-ABCDEF123456");
  });
});
