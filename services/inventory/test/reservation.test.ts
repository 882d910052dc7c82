import { commitReservation } from "../src/domain/commit-reservation";
import { releaseInventory } from "../src/domain/release-inventory";
import {
  decideCommit,
  decideRelease,
  decideReserve,
  failureDetail,
  mergeLines,
  type Reservation,
  reservationIdFor,
} from "../src/domain/reservation";
import {
  ReservationInProgressError,
  type ReserveRequest,
  reserveInventory,
  WAIT_POLL_MS,
  WAIT_POLLS,
} from "../src/domain/reserve-inventory";
import { whyNotTaken } from "../src/domain/stock";
import { memoryReservations, memoryStock } from "./fakes";

const T0 = Date.parse("2026-11-24T00:00:00Z");
const RES_1 = reservationIdFor("tenant-1", "ORD-1");

/** Stock and reservations in memory, and a clock that moves only when a use case sleeps. */
function world(initial: Record<string, number>) {
  const reservations = memoryReservations();
  const stock = memoryStock(initial);
  const clock = { now: T0 };
  const deps = {
    reservations,
    stock: stock.stock,
    now: () => new Date(clock.now),
    sleep: async (ms: number) => {
      clock.now += ms;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  const reserve = (overrides: Partial<ReserveRequest> = {}) =>
    reserveInventory(
      {
        tenantId: "tenant-1",
        orderId: "ORD-1",
        commandId: "cmd_1",
        lines: [{ sku: "SKU-A", qty: 2 }],
        deadline: new Date(clock.now + 10_000),
        ...overrides,
      },
      deps,
    );
  const release = (overrides: { orderId?: string; commandId?: string } = {}) =>
    releaseInventory({ tenantId: "tenant-1", orderId: "ORD-1", commandId: "cmd_release", ...overrides }, deps);
  const commit = (orderId = "ORD-1") => commitReservation({ tenantId: "tenant-1", orderId }, deps);
  const record = (orderId = "ORD-1") => reservations.items.get(`tenant-1#${orderId}`);
  return { reservations, stock, clock, deps, reserve, release, commit, record };
}

/** Makes the stock fail once, as a crash would, just before its `n`th operation of the kind. */
function crashBefore(stock: ReturnType<typeof memoryStock>, operation: "take" | "giveBack" | "commit", sku: string) {
  let crashed = false;
  stock.hooks.before = (kind, target) => {
    if (!crashed && kind === operation && target === sku) {
      crashed = true;
      throw new Error("Lambda crashed");
    }
  };
}

const reservation = (status: Reservation["status"], extra: Partial<Reservation> = {}): Reservation => ({
  tenantId: "tenant-1",
  orderId: "ORD-1",
  reservationId: RES_1,
  lines: [{ sku: "SKU-A", qty: 2 }],
  status,
  commandId: "cmd_1",
  leaseUntil: new Date(T0 + 10_000).toISOString(),
  updatedAt: new Date(T0).toISOString(),
  ...extra,
});

describe("reservation decisions", () => {
  it("derives one reservation id per tenant and order, the same every time", () => {
    expect(RES_1).toMatch(/^res_[0-9a-f]{24}$/);
    expect(reservationIdFor("tenant-1", "ORD-1")).toBe(RES_1);
    expect(reservationIdFor("tenant-2", "ORD-1")).not.toBe(RES_1);
    expect(reservationIdFor("tenant-1", "ORD-2")).not.toBe(RES_1);
  });

  it("merges an order's lines into one per SKU, in SKU order", () => {
    expect(
      mergeLines([
        { sku: "SKU-B", qty: 1 },
        { sku: "SKU-A", qty: 2 },
        { sku: "SKU-B", qty: 3 },
      ]),
    ).toEqual([
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 4 },
    ]);
  });

  it("decides a reservation from the order's reservation", () => {
    const at = (ms: number) => ({ commandId: "cmd_2", now: new Date(T0 + ms) });
    expect(decideReserve(undefined, at(0))).toEqual({ kind: "start" });
    expect(decideReserve(reservation("RESERVING", { commandId: "cmd_2" }), at(0))).toEqual({ kind: "claim" });
    expect(decideReserve(reservation("RESERVING"), at(0))).toEqual({ kind: "wait" });
    expect(decideReserve(reservation("RESERVING"), at(10_500))).toEqual({ kind: "wait" });
    expect(decideReserve(reservation("RESERVING"), at(11_000))).toEqual({ kind: "claim" });
    expect(decideReserve(reservation("RESERVED"), at(0))).toEqual({ kind: "reserved" });
    expect(decideReserve(reservation("COMMITTED"), at(0))).toEqual({ kind: "reserved" });
    const shortfall = [{ sku: "SKU-A", requested: 2, available: 1 }];
    expect(decideReserve(reservation("FAILED", { failureReason: "OUT_OF_STOCK", shortfall }), at(0))).toEqual({
      kind: "failed",
      reason: "OUT_OF_STOCK",
      shortfall,
    });
    expect(decideReserve(reservation("RELEASED"), at(0))).toEqual({ kind: "cancelled" });
  });

  it("decides a release from the order's reservation", () => {
    expect(decideRelease(undefined, "cmd_r")).toEqual({ kind: "tombstone" });
    expect(decideRelease(reservation("RESERVING"), "cmd_r")).toEqual({ kind: "cancel-in-flight" });
    expect(decideRelease(reservation("RESERVED"), "cmd_r")).toEqual({ kind: "release" });
    const released = reservation("RELEASED", { releasedBy: "cmd_r", releaseOutcome: "RELEASED" });
    expect(decideRelease(released, "cmd_r")).toEqual({ kind: "done", outcome: "RELEASED", sweep: true });
    expect(decideRelease(released, "cmd_other")).toEqual({ kind: "done", outcome: "ALREADY_RELEASED", sweep: true });
    expect(decideRelease(reservation("FAILED"), "cmd_r")).toEqual({
      kind: "done",
      outcome: "NOTHING_TO_RELEASE",
      sweep: false,
    });
    expect(decideRelease(reservation("COMMITTED"), "cmd_r")).toEqual({
      kind: "done",
      outcome: "NOTHING_TO_RELEASE",
      sweep: false,
    });
  });

  it("commits only a reserved reservation", () => {
    expect(decideCommit(reservation("RESERVED"))).toEqual({ kind: "commit" });
    expect(decideCommit(reservation("COMMITTED"))).toEqual({ kind: "already-committed" });
    for (const status of ["RESERVING", "FAILED", "RELEASED"] as const)
      expect(decideCommit(reservation(status))).toEqual({ kind: "nothing" });
    expect(decideCommit(undefined)).toEqual({ kind: "nothing" });
  });

  it("tells why a take was refused from the item read afterwards", () => {
    const item = { sku: "SKU-A", available: 3, holds: { [RES_1]: 2 } };
    expect(whyNotTaken(undefined, RES_1, 1)).toEqual({ kind: "unknown-sku" });
    expect(whyNotTaken(item, RES_1, 5)).toEqual({ kind: "already-held", qty: 2 });
    expect(whyNotTaken(item, "res_other", 5)).toEqual({ kind: "short", available: 3 });
    expect(whyNotTaken(item, "res_other", 3)).toBeUndefined();
  });

  it("describes a failure for people", () => {
    expect(failureDetail("OUT_OF_STOCK", [{ sku: "SKU-A", requested: 5, available: 1 }])).toBe(
      "not enough SKU-A: 5 requested, 1 available",
    );
    expect(failureDetail("UNKNOWN_SKU", [{ sku: "SKU-X", requested: 1, available: 0 }])).toBe(
      "SKU-X is not a stocked SKU",
    );
  });
});

describe("reserving stock", () => {
  it("takes every line and records the reservation", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 5 });
    const lines = [
      { sku: "SKU-B", qty: 1 },
      { sku: "SKU-A", qty: 2 },
    ];
    expect(await test.reserve({ lines })).toEqual({
      event: "InventoryReserved",
      data: { orderId: "ORD-1", reservationId: RES_1, lines },
    });
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([8, 4]);
    expect(test.stock.holds("SKU-A")).toEqual({ [RES_1]: 2 });
    expect(test.record()).toMatchObject({ status: "RESERVED", commandId: "cmd_1", lines });
  });

  it("holds an SKU named on several lines once, for their total", async () => {
    const test = world({ "SKU-A": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-A", qty: 3 },
    ];
    expect(await test.reserve({ lines })).toMatchObject({ event: "InventoryReserved", data: { lines } });
    expect(test.stock.holds("SKU-A")).toEqual({ [RES_1]: 5 });
    expect(test.stock.available("SKU-A")).toBe(5);
  });

  it("takes all or nothing: when the second of three lines is short, the first goes back", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 1, "SKU-C": 10 });
    const outcome = await test.reserve({
      lines: [
        { sku: "SKU-A", qty: 2 },
        { sku: "SKU-B", qty: 5 },
        { sku: "SKU-C", qty: 1 },
      ],
    });
    expect(outcome).toEqual({
      event: "InventoryReservationFailed",
      data: {
        orderId: "ORD-1",
        reason: "OUT_OF_STOCK",
        detail: "not enough SKU-B: 5 requested, 1 available",
        shortfall: [{ sku: "SKU-B", requested: 5, available: 1 }],
      },
    });
    expect(["SKU-A", "SKU-B", "SKU-C"].map(test.stock.available)).toEqual([10, 1, 10]);
    expect(["SKU-A", "SKU-B", "SKU-C"].map(test.stock.holds)).toEqual([{}, {}, {}]);
    expect(test.stock.calls).toEqual([
      { operation: "take", sku: "SKU-A" },
      { operation: "take", sku: "SKU-B" },
      { operation: "giveBack", sku: "SKU-A" },
      { operation: "giveBack", sku: "SKU-B" },
      { operation: "giveBack", sku: "SKU-C" },
    ]);
    expect(test.record()).toMatchObject({ status: "FAILED", failureReason: "OUT_OF_STOCK" });
  });

  it("says in words a shortfall larger than one line of the message can carry", async () => {
    const test = world({ "SKU-A": 100 });
    const outcome = await test.reserve({
      lines: [
        { sku: "SKU-A", qty: 6000 },
        { sku: "SKU-A", qty: 6000 },
      ],
    });
    expect(outcome).toEqual({
      event: "InventoryReservationFailed",
      data: { orderId: "ORD-1", reason: "OUT_OF_STOCK", detail: "not enough SKU-A: 12000 requested, 100 available" },
    });
  });

  it("refuses an SKU that is not stocked, and holds nothing", async () => {
    const test = world({ "SKU-A": 10 });
    const outcome = await test.reserve({
      lines: [
        { sku: "SKU-A", qty: 1 },
        { sku: "SKU-NOPE", qty: 1 },
      ],
    });
    expect(outcome).toMatchObject({
      event: "InventoryReservationFailed",
      data: { reason: "UNKNOWN_SKU", shortfall: [{ sku: "SKU-NOPE", requested: 1, available: 0 }] },
    });
    expect(test.stock.available("SKU-A")).toBe(10);
    expect(test.stock.holds("SKU-A")).toEqual({});
  });

  it("answers the recorded outcome to every later command for the order", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 0 });
    const first = await test.reserve();
    expect(await test.reserve({ commandId: "cmd_2" })).toEqual(first);
    expect(test.stock.available("SKU-A")).toBe(8);

    const failed = await test.reserve({ orderId: "ORD-2", lines: [{ sku: "SKU-B", qty: 1 }] });
    expect(failed).toMatchObject({ data: { reason: "OUT_OF_STOCK" } });
    expect(await test.reserve({ orderId: "ORD-2", commandId: "cmd_3", lines: [{ sku: "SKU-B", qty: 1 }] })).toEqual(
      failed,
    );
  });

  it("continues after a crash mid-reservation without taking a line twice", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 3 },
    ];
    crashBefore(test.stock, "take", "SKU-B");
    await expect(test.reserve({ lines })).rejects.toThrow("Lambda crashed");
    expect(test.record()?.status).toBe("RESERVING");
    expect(test.stock.holds("SKU-A")).toEqual({ [RES_1]: 2 });

    // Lambda retries the same command (Powertools lets it through once the crashed attempt has expired).
    expect(await test.reserve({ lines })).toMatchObject({ event: "InventoryReserved" });
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([8, 7]);
    expect(test.stock.holds("SKU-A")).toEqual({ [RES_1]: 2 });
  });

  it("makes a second command for the order wait for the first and answer the same", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 3 },
    ];
    const [first, second] = await Promise.all([
      test.reserve({ lines }),
      test.reserve({ lines, commandId: "cmd_resent" }),
    ]);
    expect(first).toMatchObject({ event: "InventoryReserved", data: { reservationId: RES_1 } });
    expect(second).toEqual(first);
    expect(test.clock.now).toBeGreaterThan(T0); // the second waited
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([8, 7]);
    expect(test.stock.calls.filter((call) => call.operation === "take")).toHaveLength(2);
  });

  it("takes over from a command that stopped, once its invocation can no longer act", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 3 },
    ];
    crashBefore(test.stock, "take", "SKU-B");
    await expect(test.reserve({ lines })).rejects.toThrow("Lambda crashed");

    // Within the crashed command's lease, another command waits, then gives up (Lambda retries it later).
    await expect(test.reserve({ lines, commandId: "cmd_resent" })).rejects.toThrow(ReservationInProgressError);
    expect(test.clock.now - T0).toBe(WAIT_POLLS * WAIT_POLL_MS);

    test.clock.now = T0 + 12_000;
    expect(await test.reserve({ lines, commandId: "cmd_resent" })).toMatchObject({ event: "InventoryReserved" });
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([8, 7]);
    expect(test.record()).toMatchObject({ status: "RESERVED", commandId: "cmd_resent" });
  });

  it("gives the last units to one of two orders competing for them", async () => {
    const test = world({ "SKU-LAST": 3 });
    const outcomes = await Promise.all(
      ["ORD-1", "ORD-2"].map((orderId) => test.reserve({ orderId, lines: [{ sku: "SKU-LAST", qty: 3 }] })),
    );
    expect(outcomes.map((outcome) => outcome.event).sort()).toEqual([
      "InventoryReservationFailed",
      "InventoryReserved",
    ]);
    expect(outcomes.find((outcome) => outcome.event === "InventoryReservationFailed")).toMatchObject({
      data: { reason: "OUT_OF_STOCK", shortfall: [{ sku: "SKU-LAST", requested: 3, available: 0 }] },
    });
    expect(test.stock.available("SKU-LAST")).toBe(0);
    expect(Object.keys(test.stock.holds("SKU-LAST"))).toHaveLength(1);
  });

  it("gives both scarce SKUs to one of two orders naming them in opposite orders", async () => {
    const test = world({ "SKU-X": 1, "SKU-Y": 1 });
    const x = { sku: "SKU-X", qty: 1 };
    const y = { sku: "SKU-Y", qty: 1 };
    const outcomes = await Promise.all([
      test.reserve({ orderId: "ORD-1", lines: [x, y] }),
      test.reserve({ orderId: "ORD-2", lines: [y, x] }),
    ]);
    expect(outcomes.filter((outcome) => outcome.event === "InventoryReserved")).toHaveLength(1);
    expect([test.stock.available("SKU-X"), test.stock.available("SKU-Y")]).toEqual([0, 0]);
  });

  it("sells exactly the stock there is to many orders at once", async () => {
    const test = world({ "SKU-HOT": 50 });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        test.reserve({ orderId: `ORD-${index}`, commandId: `cmd_${index}`, lines: [{ sku: "SKU-HOT", qty: 5 }] }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.event === "InventoryReserved")).toHaveLength(10);
    expect(test.stock.available("SKU-HOT")).toBe(0);
  });
});

describe("releasing stock", () => {
  it("gives back exactly what was taken, once", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 3 },
    ];
    await test.reserve({ lines });
    const released = await test.release({ commandId: "cmd_r1" });
    expect(released).toEqual({
      event: "InventoryReleased",
      data: { orderId: "ORD-1", outcome: "RELEASED", reservationId: RES_1, lines },
    });
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([10, 10]);
    expect([test.stock.holds("SKU-A"), test.stock.holds("SKU-B")]).toEqual([{}, {}]);

    expect(await test.release({ commandId: "cmd_r2" })).toEqual({
      event: "InventoryReleased",
      data: { orderId: "ORD-1", outcome: "ALREADY_RELEASED", reservationId: RES_1 },
    });
    // The first release retried (its answer was lost in a crash) answers what it did.
    expect(await test.release({ commandId: "cmd_r1" })).toEqual(released);
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([10, 10]);
  });

  it("finishes a release that crashed after the reservation was marked released", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10 });
    const lines = [
      { sku: "SKU-A", qty: 2 },
      { sku: "SKU-B", qty: 3 },
    ];
    await test.reserve({ lines });
    crashBefore(test.stock, "giveBack", "SKU-B");
    await expect(test.release()).rejects.toThrow("Lambda crashed");
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([10, 7]);
    expect(await test.release()).toMatchObject({ data: { outcome: "RELEASED", lines } });
    expect([test.stock.available("SKU-A"), test.stock.available("SKU-B")]).toEqual([10, 10]);
  });

  it("leaves a tombstone when it comes first: the late reservation is cancelled and takes nothing", async () => {
    const test = world({ "SKU-A": 10 });
    expect(await test.release()).toEqual({
      event: "InventoryReleased",
      data: { orderId: "ORD-1", outcome: "NOTHING_TO_RELEASE" },
    });
    expect(await test.reserve()).toMatchObject({
      event: "InventoryReservationFailed",
      data: { reason: "RESERVATION_CANCELLED" },
    });
    expect(test.stock.available("SKU-A")).toBe(10);
    expect(test.stock.calls.filter((call) => call.operation === "take")).toEqual([]);
  });

  it("cancels a reservation in progress, and every line it took goes back", async () => {
    const test = world({ "SKU-A": 10, "SKU-B": 10, "SKU-C": 10 });
    let release: Promise<unknown> | undefined;
    test.stock.hooks.before = async (operation, sku) => {
      if (operation === "take" && sku === "SKU-B" && !release) {
        release = test.release();
        await release;
      }
    };
    const outcome = await test.reserve({
      lines: [
        { sku: "SKU-A", qty: 1 },
        { sku: "SKU-B", qty: 2 },
        { sku: "SKU-C", qty: 3 },
      ],
    });
    expect(outcome).toMatchObject({ data: { reason: "RESERVATION_CANCELLED" } });
    expect(await release).toMatchObject({ data: { outcome: "NOTHING_TO_RELEASE", reservationId: RES_1 } });
    expect(["SKU-A", "SKU-B", "SKU-C"].map(test.stock.available)).toEqual([10, 10, 10]);
    expect(["SKU-A", "SKU-B", "SKU-C"].map(test.stock.holds)).toEqual([{}, {}, {}]);
    expect(test.record()?.status).toBe("RELEASED");
  });

  it("releases nothing for a failed reservation", async () => {
    const test = world({ "SKU-A": 1 });
    await test.reserve({ lines: [{ sku: "SKU-A", qty: 2 }] });
    expect(await test.release()).toMatchObject({ data: { outcome: "NOTHING_TO_RELEASE", reservationId: RES_1 } });
    expect(test.stock.available("SKU-A")).toBe(1);
  });
});

describe("committing a created order's stock", () => {
  it("drops the holds and keeps the stock sold: a later release gives nothing back", async () => {
    const test = world({ "SKU-A": 10 });
    await test.reserve();
    expect(await test.commit()).toEqual({
      outcome: "COMMITTED",
      reservationId: RES_1,
      lines: [{ sku: "SKU-A", qty: 2 }],
    });
    expect(test.stock.holds("SKU-A")).toEqual({});
    expect(test.stock.available("SKU-A")).toBe(8);

    expect(await test.commit()).toMatchObject({ outcome: "ALREADY_COMMITTED" });
    expect(await test.release()).toMatchObject({ data: { outcome: "NOTHING_TO_RELEASE" } });
    expect(await test.reserve({ commandId: "cmd_2" })).toMatchObject({ event: "InventoryReserved" });
    expect(test.stock.available("SKU-A")).toBe(8);
  });

  it("finishes a commit that crashed after the reservation was marked committed", async () => {
    const test = world({ "SKU-A": 10 });
    await test.reserve();
    crashBefore(test.stock, "commit", "SKU-A");
    await expect(test.commit()).rejects.toThrow("Lambda crashed");
    expect(test.stock.holds("SKU-A")).toEqual({ [RES_1]: 2 });
    expect(await test.commit()).toMatchObject({ outcome: "ALREADY_COMMITTED" });
    expect(test.stock.holds("SKU-A")).toEqual({});
    expect(test.stock.available("SKU-A")).toBe(8);
  });

  it("commits nothing for an order without a reserved reservation", async () => {
    const test = world({ "SKU-A": 1 });
    expect(await test.commit("ORD-404")).toEqual({ outcome: "NOTHING_TO_COMMIT" });
    await test.reserve({ lines: [{ sku: "SKU-A", qty: 2 }] });
    expect(await test.commit()).toEqual({ outcome: "NOTHING_TO_COMMIT", status: "FAILED" });
  });

  it("lets either the release or the commit of a reservation win, never both", async () => {
    for (let round = 0; round < 10; round += 1) {
      const test = world({ "SKU-A": 10 });
      await test.reserve();
      const [released, committed] = await Promise.all([test.release(), test.commit()]);
      const releasedIt = released.data.outcome === "RELEASED";
      expect(committed.outcome === "COMMITTED").toBe(!releasedIt);
      expect(test.stock.available("SKU-A")).toBe(releasedIt ? 10 : 8);
      expect(test.stock.holds("SKU-A")).toEqual({});
    }
  });
});
