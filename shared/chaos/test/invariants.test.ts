import {
  checkInvariants,
  everyDeadLetterRedriven,
  exactlyOneTerminalState,
  noDoubleCharge,
  noPaymentWithoutConfirmedOrder,
  reservedStockMatchesConfirmedOrders,
  type Snapshot,
} from "../src";

const T = "tenant-1";

/** Two orders: A created (2 × SKU-A at 10), B rejected after its payment was voided; everything consistent. */
function consistent(): Snapshot {
  return {
    accepted: [
      {
        tenantId: T,
        orderId: "A",
        flow: "orchestration",
        customerId: "C1",
        items: [{ sku: "SKU-A", qty: 2, unitPrice: 10 }],
      },
      {
        tenantId: T,
        orderId: "B",
        flow: "choreography",
        customerId: "C2",
        items: [{ sku: "SKU-A", qty: 1, unitPrice: 10 }],
      },
    ],
    orders: [
      { tenantId: T, orderId: "A", flow: "orchestration", status: "SHIPPING_SCHEDULED" },
      { tenantId: T, orderId: "B", flow: "choreography", status: "INVENTORY_RELEASED" },
    ],
    messages: [
      { bus: "commands", name: "AuthorizePayment", id: "cmd_pay_A", tenantId: T, data: { orderId: "A" } },
      { bus: "events", name: "OrderPlaced", id: "evt_placed_B", tenantId: T, data: { orderId: "B" } },
      {
        bus: "events",
        name: "PaymentAuthorized",
        id: "evt_auth_A",
        tenantId: T,
        data: { orderId: "A", authorizationId: "auth_A" },
      },
      { bus: "events", name: "OrderCreated", id: "evt_created_A", tenantId: T, data: { orderId: "A" } },
      // The same envelope published twice (a retry after a crash): one fact.
      { bus: "events", name: "OrderCreated", id: "evt_created_A", tenantId: T, data: { orderId: "A" } },
      { bus: "events", name: "OrderRejected", id: "evt_rejected_B", tenantId: T, data: { orderId: "B" } },
    ],
    stockBefore: [{ sku: "SKU-A", available: 10, holds: {} }],
    stockAfter: [{ sku: "SKU-A", available: 8, holds: {} }],
    reservations: [
      { tenantId: T, orderId: "A", reservationId: "res_A", status: "COMMITTED", lines: [{ sku: "SKU-A", qty: 2 }] },
      { tenantId: T, orderId: "B", reservationId: "res_B", status: "RELEASED", lines: [{ sku: "SKU-A", qty: 1 }] },
    ],
    payments: [
      { tenantId: T, orderId: "A", status: "AUTHORIZED", amount: 20, authorizationId: "auth_A" },
      { tenantId: T, orderId: "B", status: "VOIDED", amount: 10 },
    ],
    ledger: [
      { authorizationId: "auth_A", idempotencyKey: "cmd_pay_A", status: "HELD", amount: 20 },
      { authorizationId: "auth_B", idempotencyKey: "evt_placed_B", status: "VOIDED", amount: 10 },
    ],
    deadLetters: { seen: ["m1"], redriven: ["m1"], failures: {}, remaining: 0, dropped: [] },
  };
}

describe("the invariant checker", () => {
  it("finds nothing wrong with a consistent system", () => {
    const results = checkInvariants(consistent());
    expect(results.map((result) => [result.name, result.counterexamples])).toEqual(
      results.map((result) => [result.name, []]),
    );
  });

  it("reports an order with no terminal event, and one with two different ones", () => {
    const snapshot = consistent();
    snapshot.messages = snapshot.messages.filter((message) => message.id !== "evt_rejected_B");
    snapshot.messages.push({
      bus: "events",
      name: "OrderRejected",
      id: "evt_rejected_A",
      tenantId: T,
      data: { orderId: "A" },
    });
    const result = exactlyOneTerminalState(snapshot);
    expect(result.holds).toBe(false);
    expect(result.counterexamples).toEqual([
      expect.stringMatching(/^tenant-1#A .*2 terminal facts: created evt_created_A, rejected evt_rejected_A/),
      expect.stringMatching(/^tenant-1#B .*0 terminal facts: no terminal event; table says INVENTORY_RELEASED/),
    ]);
  });

  it("reports an orders table that disagrees with the bus, and an order nobody accepted", () => {
    const snapshot = consistent();
    (snapshot.orders[0] as { status: string }).status = "PENDING";
    snapshot.messages.push({ bus: "events", name: "OrderCreated", id: "evt_x", tenantId: T, data: { orderId: "X" } });
    expect(exactlyOneTerminalState(snapshot).counterexamples).toEqual([
      "tenant-1#A (orchestration): created on the bus, but the orders table says PENDING",
      "tenant-1#X: a terminal event for an order the API never accepted",
    ]);
  });

  it("reports stock taken for a rejected order, and a hold left behind", () => {
    const snapshot = consistent();
    snapshot.stockAfter = [{ sku: "SKU-A", available: 7, holds: { res_B: 1 } }];
    const result = reservedStockMatchesConfirmedOrders(snapshot);
    expect(result.counterexamples).toEqual([
      "SKU-A: 3 unit(s) taken from stock, confirmed orders hold 2",
      "SKU-A: 1 unit(s) still held for tenant-1#B, which is not a confirmed order",
    ]);
  });

  it("reports a reservation still RESERVED for a rejected order", () => {
    const snapshot = consistent();
    (snapshot.reservations[1] as { status: string }).status = "RESERVED";
    expect(reservedStockMatchesConfirmedOrders(snapshot).counterexamples).toEqual([
      "tenant-1#B: reservation RESERVED, but the order is not confirmed",
    ]);
  });

  it("reports money still held for a rejected order (a void that never happened)", () => {
    const snapshot = consistent();
    (snapshot.ledger[1] as { status: string }).status = "HELD";
    expect(noPaymentWithoutConfirmedOrder(snapshot).counterexamples).toEqual([
      "hold auth_B (10) still HELD for tenant-1#B, whose outcome is rejected",
    ]);
  });

  it("reports a hold that belongs to no order", () => {
    const snapshot = consistent();
    snapshot.ledger.push({ authorizationId: "auth_Z", idempotencyKey: "cmd_unknown", status: "HELD", amount: 5 });
    expect(noPaymentWithoutConfirmedOrder(snapshot).counterexamples).toEqual([
      "hold auth_Z (5) belongs to no order on the bus",
    ]);
  });

  it("reports a double charge: two holds for one order, two authorisations announced", () => {
    const snapshot = consistent();
    snapshot.messages.push(
      { bus: "commands", name: "AuthorizePayment", id: "cmd_pay_A2", tenantId: T, data: { orderId: "A" } },
      {
        bus: "events",
        name: "PaymentAuthorized",
        id: "evt_auth_A2",
        tenantId: T,
        data: { orderId: "A", authorizationId: "auth_A2" },
      },
    );
    snapshot.ledger.push({ authorizationId: "auth_A2", idempotencyKey: "cmd_pay_A2", status: "HELD", amount: 20 });
    expect(noDoubleCharge(snapshot).counterexamples).toEqual([
      "tenant-1#A: 2 holds at the provider (auth_A, auth_A2)",
      "tenant-1#A: 2 different authorisations announced (auth_A, auth_A2)",
      "tenant-1#A: confirmed for 20, the provider holds 20 + 20",
    ]);
  });

  it("reports a confirmed order the provider holds nothing for", () => {
    const snapshot = consistent();
    (snapshot.ledger[0] as { status: string }).status = "VOIDED";
    expect(noDoubleCharge(snapshot).counterexamples).toEqual([
      "tenant-1#A: confirmed for 20, the provider holds nothing",
    ]);
  });

  it("reports dead letters not redriven, left in the queue, or dropped", () => {
    const snapshot = consistent();
    snapshot.deadLetters = {
      seen: ["m1", "m2"],
      redriven: ["m1"],
      failures: { m2: "VoidPayment to voidPayment: the function failed again" },
      remaining: 1,
      dropped: ["event e1 (rule r) to arn: no DLQ"],
    };
    expect(everyDeadLetterRedriven(snapshot).counterexamples).toEqual([
      "dead letter m2 was never redriven to success: VoidPayment to voidPayment: the function failed again",
      "1 message(s) still in the dead-letter queue",
      "dropped with nowhere to go: event e1 (rule r) to arn: no DLQ",
    ]);
  });
});
