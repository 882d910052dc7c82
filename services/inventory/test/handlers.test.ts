import { createCommand, createEvent, type Envelope, type EventEnvelope } from "@keel/contracts";
import { MalformedMessageError } from "@keel/runtime";
import { idempotencyTable, lambdaContext } from "@keel/runtime/testing";
import type { EventBridgeEvent } from "aws-lambda";
import commitSample from "../events/commit-reservation.json";
import releaseSample from "../events/release-inventory.json";
import reserveSample from "../events/reserve-inventory.json";
import { reservationIdFor } from "../src/domain/reservation";
import { makeHandler as makeCommit } from "../src/handlers/commit-reservation";
import { makeHandler as makeRelease } from "../src/handlers/release-inventory";
import { makeHandler as makeReserve } from "../src/handlers/reserve-inventory";
import { memoryReservations, memoryStock } from "./fakes";

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
  const reservations = memoryReservations();
  const stock = memoryStock({ "SKU-123": 100, "SKU-999": 100, "SKU-LIMITED": 5 });
  const published: EventEnvelope[] = [];
  const publisher = () => ({
    publish: async (envelopes: readonly Envelope[]) => {
      published.push(...(envelopes as EventEnvelope[]));
      return envelopes.map(() => "id");
    },
  });
  const deps = () => ({ reservations, stock: stock.stock });
  return {
    reserve: makeReserve(deps, { persistenceStore: table.store, publisher }),
    release: makeRelease(deps, { persistenceStore: table.store, publisher }),
    commit: makeCommit(deps, { persistenceStore: table.store }),
    published,
    stock,
    reservations,
  };
}

let orders = 0;
const reserveCommand = (lines: { sku: string; qty: number }[], replyTo = "token") =>
  createCommand(
    "ReserveInventory",
    { orderId: `ORD-H${++orders}`, lines },
    { tenantId: "tenant-1", initiator, replyTo: { taskToken: replyTo } },
  );

describe("inventory handlers", () => {
  it("ReserveInventory answers InventoryReserved to the waiting workflow", async () => {
    const test = harness();
    const command = reserveCommand([{ sku: "SKU-123", qty: 2 }]);
    await test.reserve(busEvent(command), lambdaContext());
    expect(test.published[0]).toMatchObject({
      meta: { eventName: "InventoryReserved", causationId: command.meta.commandId, replyTo: { taskToken: "token" } },
      data: {
        orderId: command.data.orderId,
        reservationId: reservationIdFor("tenant-1", command.data.orderId),
        lines: [{ sku: "SKU-123", qty: 2 }],
      },
    });
    expect(test.stock.available("SKU-123")).toBe(98);
  });

  it("ReserveInventory answers InventoryReservationFailed with the shortfall", async () => {
    const test = harness();
    await test.reserve(busEvent(reserveCommand([{ sku: "SKU-LIMITED", qty: 6 }])), lambdaContext());
    expect(test.published[0]).toMatchObject({
      meta: { eventName: "InventoryReservationFailed" },
      data: { reason: "OUT_OF_STOCK", shortfall: [{ sku: "SKU-LIMITED", requested: 6, available: 5 }] },
    });
    expect(test.stock.available("SKU-LIMITED")).toBe(5);
  });

  it("a redelivered ReserveInventory takes nothing twice and answers the new waiter", async () => {
    const test = harness();
    const command = reserveCommand([{ sku: "SKU-LIMITED", qty: 3 }], "first");
    await test.reserve(busEvent(command), lambdaContext());
    await test.reserve(
      busEvent({ ...command, meta: { ...command.meta, replyTo: { taskToken: "second" } } }),
      lambdaContext(),
    );
    expect(test.stock.available("SKU-LIMITED")).toBe(2);
    expect(test.published.map((event) => event.meta.replyTo?.taskToken)).toEqual(["first", "second"]);
    expect(test.published[1]?.meta.eventId).toBe(test.published[0]?.meta.eventId);
  });

  it("ReleaseInventory gives the stock back and reports InventoryReleased", async () => {
    const test = harness();
    const reserve = reserveCommand([{ sku: "SKU-123", qty: 4 }]);
    await test.reserve(busEvent(reserve), lambdaContext());
    const release = createCommand(
      "ReleaseInventory",
      { orderId: reserve.data.orderId, reason: "payment declined" },
      { cause: reserve, initiator },
    );
    await test.release(busEvent(release), lambdaContext());
    expect(test.published[1]).toMatchObject({
      meta: { eventName: "InventoryReleased", causationId: release.meta.commandId },
      data: { orderId: reserve.data.orderId, outcome: "RELEASED", lines: [{ sku: "SKU-123", qty: 4 }] },
    });
    expect(test.stock.available("SKU-123")).toBe(100);
  });

  it("OrderCreated commits the order's reservation: its holds leave the stock items", async () => {
    const test = harness();
    const reserve = reserveCommand([{ sku: "SKU-123", qty: 4 }]);
    await test.reserve(busEvent(reserve), lambdaContext());
    const created = createEvent(
      "OrderCreated",
      { orderId: reserve.data.orderId, status: "CREATED", totalAmount: 10, currency: "AUD" },
      { cause: reserve },
    );
    await test.commit(busEvent(created), lambdaContext());
    expect(test.stock.holds("SKU-123")).toEqual({});
    expect(test.stock.available("SKU-123")).toBe(96);
    expect(test.reservations.items.get(`tenant-1#${reserve.data.orderId}`)?.status).toBe("COMMITTED");
  });

  it("OrderCreated without a tenant or a reservation changes nothing", async () => {
    const test = harness();
    const data = { orderId: "ORD-NONE", status: "CREATED", totalAmount: 10, currency: "AUD" } as const;
    await test.commit(busEvent(createEvent("OrderCreated", data)), lambdaContext());
    await test.commit(busEvent(createEvent("OrderCreated", data, { tenantId: "tenant-1" })), lambdaContext());
    expect(test.stock.calls).toEqual([]);
  });

  it("handles the sample events of events/", async () => {
    const test = harness();
    const sample = (event: unknown) => event as EventBridgeEvent<string, unknown>;
    await test.reserve(sample(reserveSample), lambdaContext());
    await test.commit(sample(commitSample), lambdaContext());
    await test.release(sample(releaseSample), lambdaContext());
    expect(test.published.map((event) => [event.meta.eventName, event.data])).toEqual([
      ["InventoryReserved", expect.objectContaining({ orderId: "ORD-100045" })],
      [
        "InventoryReleased",
        { orderId: "ORD-100045", outcome: "NOTHING_TO_RELEASE", reservationId: expect.any(String) },
      ],
    ]);
    expect([test.stock.available("SKU-123"), test.stock.available("SKU-999")]).toEqual([98, 99]);
    expect(test.stock.holds("SKU-123")).toEqual({});
  });

  it("refuses a malformed command, which goes to the dead-letter queue", async () => {
    const test = harness();
    const command = reserveCommand([{ sku: "SKU-123", qty: 1 }]);
    const malformed = { ...command, data: { ...command.data, lines: [] } };
    await expect(test.reserve(busEvent(malformed), lambdaContext())).rejects.toThrow(MalformedMessageError);
    expect(test.published).toEqual([]);
  });
});
