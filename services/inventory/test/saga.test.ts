import { createEvent, type Envelope, type EventEnvelope } from "@keel/contracts";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import { reservationIdFor } from "../src/domain/reservation";
import { trackingNumberFor } from "../src/domain/shipping";
import { makeHandler as makeRelease } from "../src/handlers/release-failed-payment";
import { makeHandler as makeReserve } from "../src/handlers/reserve-placed-order";
import { makeHandler as makeShipping } from "../src/handlers/schedule-shipping";
import { memoryReservations, memoryStock } from "./fakes";

/** The saga's inventory reactions, delivered twice and out of order. */
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
function placed(lines: Array<{ sku: string; qty: number }>) {
  const orderId = `ORD-S${++count}`;
  return createEvent(
    "OrderPlaced",
    {
      orderId,
      customerId: "CUST-1",
      currency: "AUD",
      items: lines.map((line) => ({ ...line, unitPrice: 1 })),
      totalAmount: lines.reduce((sum, line) => sum + line.qty, 0),
      paymentMethodToken: "tok_1",
    },
    { tenantId: "tenant-1" },
  );
}

const paymentFailed = (cause: EventEnvelope, orderId: string) =>
  createEvent("PaymentFailed", { orderId, reason: "CARD_DECLINED", amount: 1, currency: "AUD" }, { cause });

function harness() {
  const reservations = memoryReservations();
  const stock = memoryStock({ "SKU-123": 10, "SKU-999": 10 });
  const published: EventEnvelope[] = [];
  const publisher = () => ({
    publish: async (envelopes: readonly Envelope[]) => {
      published.push(...(envelopes as EventEnvelope[]));
      return envelopes.map(() => "id");
    },
  });
  const deps = () => ({ reservations, stock: stock.stock });
  const options = { persistenceStore: table.store, publisher };
  return {
    reserve: makeReserve(deps, options),
    release: makeRelease(deps, options),
    ship: makeShipping(options),
    published,
    stock,
    reservations,
  };
}

describe("reserving for an order placed", () => {
  it("reserves once however many times OrderPlaced arrives, answering the same InventoryReserved", async () => {
    const test = harness();
    const event = placed([{ sku: "SKU-123", qty: 3 }]);
    await test.reserve(bus(event), lambdaContext());
    await test.reserve(bus(event), lambdaContext());
    expect(test.stock.items.get("SKU-123")?.available).toBe(7);
    expect(test.published.map((item) => item.meta.eventName)).toEqual(["InventoryReserved", "InventoryReserved"]);
    expect(test.published[0]?.meta.eventId).toBe(test.published[1]?.meta.eventId);
    expect(test.published[0]?.meta.causationId).toBe(event.meta.eventId);
  });

  it("refuses to reserve for an order whose payment already failed (the release came first)", async () => {
    const test = harness();
    const event = placed([{ sku: "SKU-123", qty: 3 }]);
    await test.release(bus(paymentFailed(event, event.data.orderId)), lambdaContext());
    await test.reserve(bus(event), lambdaContext());
    expect(test.stock.items.get("SKU-123")?.available).toBe(10);
    expect(
      test.published.map((item) => [
        item.meta.eventName,
        (item.data as { reason?: string; outcome?: string }).reason ?? (item.data as { outcome?: string }).outcome,
      ]),
    ).toEqual([
      ["InventoryReleased", "NOTHING_TO_RELEASE"],
      ["InventoryReservationFailed", "RESERVATION_CANCELLED"],
    ]);
  });
});

describe("releasing after a failed payment", () => {
  it("gives the stock back once, whatever the number of PaymentFailed deliveries", async () => {
    const test = harness();
    const event = placed([
      { sku: "SKU-123", qty: 2 },
      { sku: "SKU-999", qty: 4 },
    ]);
    await test.reserve(bus(event), lambdaContext());
    const failure = paymentFailed(event, event.data.orderId);
    await test.release(bus(failure), lambdaContext());
    await test.release(bus(failure), lambdaContext());
    const again = paymentFailed(event, event.data.orderId);
    await test.release(bus(again), lambdaContext());
    expect(test.stock.items.get("SKU-123")?.available).toBe(10);
    expect(test.stock.items.get("SKU-999")?.available).toBe(10);
    const outcomes = test.published
      .filter((item) => item.meta.eventName === "InventoryReleased")
      .map((item) => (item.data as { outcome: string }).outcome);
    expect(outcomes).toEqual(["RELEASED", "RELEASED", "ALREADY_RELEASED"]);
    expect(test.reservations.items.get(`tenant-1#${event.data.orderId}`)?.status).toBe("RELEASED");
    expect(test.reservations.items.get(`tenant-1#${event.data.orderId}`)?.reservationId).toBe(
      reservationIdFor("tenant-1", event.data.orderId),
    );
  });
});

describe("scheduling shipping", () => {
  it("names the same shipment for the same order, delivered twice", async () => {
    const test = harness();
    const created = createEvent(
      "OrderCreated",
      { orderId: "ORD-SHIP", status: "CREATED", totalAmount: 1, currency: "AUD" },
      { tenantId: "tenant-1" },
    );
    await test.ship(bus(created), lambdaContext());
    await test.ship(bus(created), lambdaContext());
    expect(test.published.map((item) => item.data)).toEqual([
      { orderId: "ORD-SHIP", trackingNumber: trackingNumberFor("tenant-1", "ORD-SHIP") },
      { orderId: "ORD-SHIP", trackingNumber: trackingNumberFor("tenant-1", "ORD-SHIP") },
    ]);
    expect(test.published[0]?.meta.eventId).toBe(test.published[1]?.meta.eventId);
  });
});
