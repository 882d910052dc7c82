import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalDynamoDB, startDynamoDB } from "@keel/local";
import seed from "../seed/stock.json";
import { reservationsTable } from "../src/adapters/reservations-table";
import { stockTable } from "../src/adapters/stock-table";
import { releaseInventory } from "../src/domain/release-inventory";
import type { Reservation } from "../src/domain/reservation";
import { reserveInventory } from "../src/domain/reserve-inventory";
import type { StockItem } from "../src/domain/stock";

// The real DynamoDB API (dynalite): the conditional expressions do what the in-memory fakes assume.
let dynamo: LocalDynamoDB;
let client: DynamoDBDocumentClient;
beforeAll(async () => {
  dynamo = await startDynamoDB(
    [
      {
        service: "inventory",
        logicalId: "StockTable",
        name: "stock",
        createTable: {
          TableName: "stock",
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "sku", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "sku", KeyType: "HASH" }],
        },
        seed,
      },
      {
        service: "inventory",
        logicalId: "ReservationsTable",
        name: "reservations",
        createTable: {
          TableName: "reservations",
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "reservationKey", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "reservationKey", KeyType: "HASH" }],
        },
      },
    ],
    { region: "us-east-1" },
  );
  client = DynamoDBDocumentClient.from(dynamo.client, { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(() => dynamo.close());

const stock = () => stockTable(client, "stock");
const reservations = () => reservationsTable(client, "reservations");
const put = (sku: string, available: number) =>
  client.send(new PutCommand({ TableName: "stock", Item: { sku, available, holds: {} } }));
const item = async (sku: string) =>
  (await client.send(new GetCommand({ TableName: "stock", Key: { sku }, ConsistentRead: true }))).Item as StockItem;

describe("the stock table", () => {
  it("takes a line once per reservation, and tells why it cannot", async () => {
    await put("TAKE-1", 10);
    expect(await stock().take("TAKE-1", "res_a", 4)).toEqual({ kind: "taken" });
    expect(await stock().take("TAKE-1", "res_a", 4)).toEqual({ kind: "already-held", qty: 4 });
    expect(await item("TAKE-1")).toEqual({ sku: "TAKE-1", available: 6, holds: { res_a: 4 } });
    expect(await stock().take("TAKE-1", "res_b", 7)).toEqual({ kind: "short", available: 6 });
    expect(await stock().take("NO-SUCH-SKU", "res_a", 1)).toEqual({ kind: "unknown-sku" });
    expect(await stock().take("TAKE-1", "res_b", 6)).toEqual({ kind: "taken" });
    expect(await item("TAKE-1")).toEqual({ sku: "TAKE-1", available: 0, holds: { res_a: 4, res_b: 6 } });
  });

  it("sells 50 units to exactly 10 of 20 concurrent reservations of 5", async () => {
    await put("HOT-1", 50);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => stock().take("HOT-1", `res_${index}`, 5)),
    );
    expect(results.filter((result) => result.kind === "taken")).toHaveLength(10);
    expect(results.filter((result) => result.kind === "short")).toHaveLength(10);
    const after = await item("HOT-1");
    expect(after.available).toBe(0);
    expect(Object.values(after.holds)).toEqual(Array(10).fill(5));
  });

  it("gives a hold back once, however many releases ask", async () => {
    await put("BACK-1", 10);
    await stock().take("BACK-1", "res_a", 3);
    const given = await Promise.all([stock().giveBack("BACK-1", "res_a"), stock().giveBack("BACK-1", "res_a")]);
    expect(given.sort()).toEqual([0, 3]);
    expect(await stock().giveBack("BACK-1", "res_a")).toBe(0);
    expect(await stock().giveBack("NO-SUCH-SKU", "res_a")).toBe(0);
    expect(await item("BACK-1")).toEqual({ sku: "BACK-1", available: 10, holds: {} });
  });

  it("commits a hold once: the units leave for good", async () => {
    await put("SOLD-1", 10);
    await stock().take("SOLD-1", "res_a", 3);
    expect(await stock().commit("SOLD-1", "res_a")).toBe(3);
    expect(await stock().commit("SOLD-1", "res_a")).toBe(0);
    expect(await stock().giveBack("SOLD-1", "res_a")).toBe(0);
    expect(await item("SOLD-1")).toEqual({ sku: "SOLD-1", available: 7, holds: {} });
  });

  it("is seeded for local runs", async () => {
    expect(await item("SKU-123")).toEqual({ sku: "SKU-123", available: 1_000_000, holds: {} });
    expect(await item("OUT-OF-STOCK")).toEqual({ sku: "OUT-OF-STOCK", available: 0, holds: {} });
  });
});

describe("the reservations table", () => {
  const reservation: Reservation = {
    tenantId: "tenant-1",
    orderId: "ORD-T1",
    reservationId: "res_t1",
    lines: [{ sku: "SKU-123", qty: 1 }],
    status: "RESERVING",
    commandId: "cmd_1",
    leaseUntil: "2026-11-24T00:00:10.000Z",
    updatedAt: "2026-11-24T00:00:00.000Z",
  };

  it("creates one reservation per order", async () => {
    expect(await reservations().create(reservation)).toBe(true);
    expect(await reservations().create({ ...reservation, commandId: "cmd_2" })).toBe(false);
    expect(await reservations().get("tenant-1", "ORD-T1")).toEqual(reservation);
    expect(await reservations().get("tenant-2", "ORD-T1")).toBeUndefined();
  });

  it("moves a reservation only from what it is", async () => {
    const moved = { updatedAt: "2026-11-24T00:00:01.000Z" };
    const owned = { status: "RESERVING", commandId: "cmd_1", leaseUntil: reservation.leaseUntil } as const;
    expect(await reservations().transition("tenant-1", "ORD-T1", { ...owned, commandId: "cmd_2" }, moved)).toBe(false);
    expect(await reservations().transition("tenant-1", "ORD-T1", { ...owned, leaseUntil: "x" }, moved)).toBe(false);
    expect(await reservations().transition("tenant-1", "ORD-404", { status: "RESERVING" }, moved)).toBe(false);
    const shortfall = [{ sku: "SKU-123", requested: 1, available: 0 }];
    expect(
      await reservations().transition("tenant-1", "ORD-T1", owned, {
        status: "FAILED",
        failureReason: "OUT_OF_STOCK",
        shortfall,
        ...moved,
      }),
    ).toBe(true);
    expect(await reservations().transition("tenant-1", "ORD-T1", { status: "RESERVING" }, moved)).toBe(false);
    expect(await reservations().get("tenant-1", "ORD-T1")).toEqual({
      ...reservation,
      status: "FAILED",
      failureReason: "OUT_OF_STOCK",
      shortfall,
      ...moved,
    });
  });
});

describe("the use cases over DynamoDB", () => {
  const deps = () => ({ reservations: reservations(), stock: stock() });
  const reserve = (orderId: string, lines: { sku: string; qty: number }[]) =>
    reserveInventory(
      { tenantId: "tenant-1", orderId, commandId: `cmd_${orderId}`, lines, deadline: new Date(Date.now() + 10_000) },
      deps(),
    );

  it("reserves all or nothing, and a release gives back exactly what was taken", async () => {
    await Promise.all([put("UC-A", 10), put("UC-B", 1), put("UC-C", 10)]);
    expect(
      await reserve("ORD-U1", [
        { sku: "UC-A", qty: 2 },
        { sku: "UC-B", qty: 5 },
        { sku: "UC-C", qty: 1 },
      ]),
    ).toMatchObject({ event: "InventoryReservationFailed", data: { reason: "OUT_OF_STOCK" } });
    expect((await Promise.all(["UC-A", "UC-B", "UC-C"].map(item))).map((i) => [i.available, i.holds])).toEqual([
      [10, {}],
      [1, {}],
      [10, {}],
    ]);

    const lines = [
      { sku: "UC-A", qty: 2 },
      { sku: "UC-C", qty: 3 },
    ];
    expect(await reserve("ORD-U2", lines)).toMatchObject({ event: "InventoryReserved", data: { lines } });
    expect((await item("UC-A")).available).toBe(8);
    const release = () => releaseInventory({ tenantId: "tenant-1", orderId: "ORD-U2", commandId: "cmd_r" }, deps());
    const released = await Promise.all([release(), release()]);
    expect(released.map((outcome) => outcome.data.outcome)).toContain("RELEASED");
    expect((await Promise.all(["UC-A", "UC-C"].map(item))).map((i) => [i.available, i.holds])).toEqual([
      [10, {}],
      [10, {}],
    ]);
  });

  it("sells the last units to one order of many", async () => {
    await put("UC-LAST", 5);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) => reserve(`ORD-L${index}`, [{ sku: "UC-LAST", qty: 5 }])),
    );
    expect(outcomes.filter((outcome) => outcome.event === "InventoryReserved")).toHaveLength(1);
    expect((await item("UC-LAST")).available).toBe(0);
  });
});
