import {
  createCommand,
  createEvent,
  ID_PATTERNS,
  idTime,
  newCommandId,
  newEventId,
  parseCommand,
  parseEvent,
  toEventBridgeEntry,
} from "../src";

const order = {
  orderId: "ORD-1",
  customerId: "CUST-1",
  currency: "AUD",
  items: [{ sku: "SKU-123", qty: 2, unitPrice: 49.95 }],
  paymentMethodToken: "tok_abc123",
};
const initiator = { type: "user", id: "user-123" } as const;

describe("ids", () => {
  it("are prefixed and sort by creation time", () => {
    const t = Date.now() + 60_000;
    const ids = [newCommandId(t), newCommandId(t + 1_000), newCommandId(t + 1_000), newCommandId(t + 2_000)];
    for (const id of ids) expect(id).toMatch(ID_PATTERNS.command);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(idTime(ids[3] as string)?.getTime()).toBe(t + 2_000);
    expect(newEventId()).toMatch(ID_PATTERNS.event);
    // never backwards within a process, even when the clock is
    expect(newCommandId(t - 10_000) > (ids[3] as string)).toBe(true);
  });
});

describe("building a conversation", () => {
  const command = createCommand("CreateOrder", order, { tenantId: "tenant-001", initiator });

  it("starts a conversation: a new correlation id, no causation, ISO timestamp", () => {
    expect(command.meta.correlationId).toMatch(ID_PATTERNS.correlation);
    expect(command.meta.causationId).toBeNull();
    expect(new Date(command.meta.occurredAt).toISOString()).toBe(command.meta.occurredAt);
    expect(command.meta.schemaVersion).toBe("1.0");
    expect(command.routing).toEqual({ domain: "orders", target: "orders.workflow", priority: "normal" });
    expect(parseCommand("CreateOrder", JSON.parse(JSON.stringify(command))).data).toEqual(order);
  });

  it("honours a correlation id the client brought", () => {
    const correlationId = "corr_2f1d3a07-3d89-4a62-9f6c-9f29f4e96f7e";
    expect(createCommand("CreateOrder", order, { tenantId: "t", initiator, correlationId }).meta.correlationId).toBe(
      correlationId,
    );
  });

  it("carries correlation, causation and tenant from command to command to outcome event", () => {
    const authorize = createCommand(
      "AuthorizePayment",
      { orderId: "ORD-1", customerId: "CUST-1", amount: 99.9, currency: "AUD", paymentMethodToken: "tok_abc123" },
      { cause: command, initiator: { type: "service", id: "orders.workflow" }, replyTo: { taskToken: "token-1" } },
    );
    expect(authorize.meta).toMatchObject({
      correlationId: command.meta.correlationId,
      causationId: command.meta.commandId,
      tenantId: "tenant-001",
    });

    const outcome = createEvent(
      "PaymentAuthorized",
      { orderId: "ORD-1", authorizationId: "auth_1", amount: 99.9, currency: "AUD" },
      { cause: authorize },
    );
    expect(outcome.meta).toMatchObject({
      correlationId: command.meta.correlationId,
      causationId: authorize.meta.commandId,
      tenantId: "tenant-001",
      producer: "payments.service",
      replyTo: { taskToken: "token-1" },
    });
    expect(outcome.subject).toEqual({ domain: "payments", id: "ORD-1" });

    const reaction = createEvent(
      "NotificationSent",
      { orderId: "ORD-1", channel: "email", template: "order-created", recipient: "a@example.com", about: "x" },
      { cause: outcome },
    );
    expect(reaction.meta.causationId).toBe(outcome.meta.eventId);
    expect(reaction.meta).not.toHaveProperty("replyTo");
    expect(parseEvent("NotificationSent", JSON.parse(JSON.stringify(reaction))).meta.correlationId).toBe(
      command.meta.correlationId,
    );
  });

  it("refuses to build a message whose data breaks its contract", () => {
    expect(() => createCommand("CreateOrder", { ...order, items: [] }, { tenantId: "t", initiator })).toThrow(
      "data.items must have at least 1 items",
    );
    expect(() => createCommand("CreateOrder", order, { initiator })).toThrow("meta.tenantId is required");
  });

  it("puts the registry's source and the message name on the EventBridge entry", () => {
    const entry = toEventBridgeEntry(command, "keel-dev-commands");
    expect(entry).toMatchObject({
      EventBusName: "keel-dev-commands",
      Source: "com.example.orders.api",
      DetailType: "CreateOrder",
    });
    expect(JSON.parse(entry.Detail)).toEqual(command);
  });
});
