import { createCommand, createEvent, parseCommand, registry } from "@keel/contracts";
import { assessFraud } from "../src/domain/fraud";
import { summarize } from "../src/domain/order";
import { accepted, applyOutcome, type OutcomeEvent, publicView } from "../src/domain/read-model";
import { explain, orderRejected } from "../src/domain/rejection";
import { parseCreateOrderRequest } from "../src/domain/request";
import { planCreateOrder } from "../src/domain/workflow";

const data = {
  orderId: "ORD-1",
  customerId: "CUST-1",
  currency: "AUD",
  items: [
    { sku: "SKU-123", qty: 2, unitPrice: 49.95 },
    { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
    { sku: "SKU-123", qty: 1, unitPrice: 49.95 },
  ],
  paymentMethodToken: "tok_1",
  contact: { email: "ada@example.com" },
};
const command = createCommand("CreateOrder", data, { tenantId: "tenant-1", initiator: { type: "user", id: "u-1" } });

describe("an order's summary", () => {
  it("adds money in cents and merges lines of the same SKU", () => {
    expect(summarize("tenant-1", data)).toEqual({
      tenantId: "tenant-1",
      orderId: "ORD-1",
      customerId: "CUST-1",
      currency: "AUD",
      totalAmount: 169.8,
      lines: [
        { sku: "SKU-123", qty: 3 },
        { sku: "SKU-999", qty: 1 },
      ],
      itemCount: 4,
    });
  });
});

describe("fraud rules", () => {
  const order = (overrides: Partial<ReturnType<typeof summarize>>) => ({ ...summarize("t", data), ...overrides });
  it("approve an ordinary order", () => expect(assessFraud(order({}))).toEqual({ approved: true }));
  it("refuse the deny list, amounts above the limit and unusual quantities", () => {
    expect(assessFraud(order({ customerId: "CUST-FRAUD" }))).toMatchObject({
      approved: false,
      reason: "the customer is on the deny list",
    });
    expect(assessFraud(order({ totalAmount: 10_000.01 }))).toMatchObject({ approved: false });
    expect(assessFraud(order({ lines: [{ sku: "SKU-123", qty: 101 }] }))).toMatchObject({
      approved: false,
      reason: "101 units of SKU-123 is an unusual quantity",
    });
  });
});

describe("the workflow's plan", () => {
  it("builds every command the workflow may send, caused by CreateOrder, valid against the registry", () => {
    const input = planCreateOrder(command);
    for (const [name, planned] of Object.entries(input.plan)) {
      const parsed = parseCommand(
        ["AuthorizePayment", "ReserveInventory", "VoidPayment", "ReleaseInventory"],
        JSON.parse(JSON.stringify(planned)),
      );
      expect(parsed.meta).toMatchObject({
        causationId: command.meta.commandId,
        correlationId: command.meta.correlationId,
        tenantId: "tenant-1",
      });
      expect(name.toLowerCase()).toBe(parsed.meta.commandName.toLowerCase());
    }
    expect(input.plan.authorizePayment.data).toMatchObject({ amount: 169.8, paymentMethodToken: "tok_1" });
    expect(input.plan.reserveInventory.data).toEqual({ orderId: "ORD-1", lines: input.order.lines });
  });
});

describe("the POST /orders body", () => {
  const { orderId: _id, ...body } = data;

  it("accepts the CreateOrder data with or without an order id", () => {
    expect(parseCreateOrderRequest(body)).toMatchObject({ ok: true });
    expect(parseCreateOrderRequest(data)).toMatchObject({ ok: true, value: { orderId: "ORD-1" } });
  });

  it("accepts nothing the CreateOrder contract would refuse", () => {
    const contract = registry.CreateOrder.schema;
    for (const bad of [
      { ...body, currency: "aud" },
      { ...body, items: [] },
      { ...body, items: [{ sku: "S", qty: 0, unitPrice: 1 }] },
      { ...body, contact: { email: "not-an-email" } },
    ]) {
      expect(parseCreateOrderRequest(bad).ok).toBe(false);
      expect(contract.safeParse({ ...bad, orderId: "ORD-1" }).success).toBe(false);
    }
  });

  it("refuses fields it does not know, at any depth, naming them", () => {
    const result = parseCreateOrderRequest({
      ...body,
      discount: 5,
      items: [{ sku: "S", qty: 1, unitPrice: 1, colour: "red" }],
    });
    expect(result).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: "", message: "has unknown field(s) discount" },
        { path: "items.0", message: "has unknown field(s) colour" },
      ]),
    });
  });
});

describe("the read model", () => {
  const view = accepted(summarize("tenant-1", data), command.meta);
  const created = createEvent(
    "OrderCreated",
    { orderId: "ORD-1", status: "CREATED", totalAmount: 169.8, currency: "AUD" },
    { cause: command },
  );

  it("starts PENDING and becomes CREATED on the command's OrderCreated, once", () => {
    expect(view.status).toBe("PENDING");
    const next = applyOutcome(view, created as unknown as OutcomeEvent);
    expect(next).toMatchObject({
      status: "CREATED",
      history: [{ what: "accepted" }, { what: "OrderCreated", eventId: created.meta.eventId }],
    });
    expect(applyOutcome(next, created as unknown as OutcomeEvent)).toBe(next);
  });

  it("becomes REJECTED with the reason; another command's outcome for the same order id changes nothing", () => {
    const rejected = orderRejected(command, {
      reason: "OUT_OF_STOCK",
      error: "InventoryReservationFailed",
      cause: JSON.stringify({ reason: "OUT_OF_STOCK", detail: "SKU-123" }),
    });
    expect(applyOutcome(view, rejected as unknown as OutcomeEvent)).toMatchObject({
      status: "REJECTED",
      reason: "OUT_OF_STOCK",
      detail: "OUT_OF_STOCK: SKU-123",
    });
    const other = createCommand("CreateOrder", data, { tenantId: "tenant-1", initiator: { type: "user", id: "u-2" } });
    const foreign = orderRejected(other, { reason: "PERSIST_FAILED" });
    expect(applyOutcome(view, foreign as unknown as OutcomeEvent)).toBe(view);
  });

  it("answers without the tenant", () => expect(publicView(view)).not.toHaveProperty("tenantId"));
});

describe("rejection details", () => {
  it("explain a failure from its cause", () => {
    expect(explain({ reason: "PAYMENT_DECLINED", cause: JSON.stringify({ reason: "CARD_DECLINED", amount: 5 }) })).toBe(
      "CARD_DECLINED",
    );
    expect(
      explain({
        reason: "PERSIST_FAILED",
        cause: JSON.stringify({ errorType: "OrderIdTaken", errorMessage: "order ORD-1 is already held" }),
      }),
    ).toBe("order ORD-1 is already held");
    expect(explain({ reason: "FRAUD_SUSPECTED", cause: "the customer is on the deny list" })).toBe(
      "the customer is on the deny list",
    );
    expect(explain({ reason: "PAYMENT_TIMEOUT", error: "States.Timeout" })).toBe("States.Timeout");
  });
});
