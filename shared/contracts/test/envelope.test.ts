import { ContractError, parseCommand, parseEvent, safeParseEnvelope } from "../src";
import seedCommand from "./fixtures/seed-create-order.json";
import seedEvent from "./fixtures/seed-order-created.json";

const clone = <T>(value: T): T => structuredClone(value);

function issuesOf(raw: unknown) {
  const result = safeParseEnvelope(raw);
  if (result.success) throw new Error("expected the envelope to be rejected");
  return result.error.issues;
}

describe("the first write-up's example envelopes", () => {
  it("parses the CreateOrder command with typed data", () => {
    const command = parseCommand("CreateOrder", clone(seedCommand));
    expect(command.meta.commandId).toBe("cmd_01HSYJQF3A6M0R6G0J7VY7A1J9");
    expect(command.meta.causationId).toBeNull();
    expect(command.routing).toEqual({ domain: "orders", target: "orders.workflow", priority: "normal" });
    expect(command.data.items.map((item) => item.sku)).toEqual(["SKU-123", "SKU-999"]);
  });

  it("parses the OrderCreated 1.1 event", () => {
    const event = parseEvent("OrderCreated", clone(seedEvent));
    expect(event.meta.causationId).toBe("cmd_01HSYJQF3A6M0R6G0J7VY7A1J9");
    expect(event.data).toMatchObject({ status: "CREATED", paymentStatus: "AUTHORIZED", totalAmount: 119.85 });
  });
});

describe("required meta fields", () => {
  const commandFields = Object.keys(seedCommand.meta);
  const eventFields = Object.keys(seedEvent.meta);

  it.each(commandFields)("rejects a command without meta.%s, naming the field", (field) => {
    const raw = clone(seedCommand) as { meta: Record<string, unknown> };
    delete raw.meta[field];
    const issues = issuesOf(raw);
    expect(issues.map((issue) => issue.path)).toContain(`meta.${field}`);
    expect(() => parseCommand("CreateOrder", raw)).toThrow(`meta.${field}`);
  });

  it.each(eventFields)("rejects an event without meta.%s, naming the field", (field) => {
    const raw = clone(seedEvent) as { meta: Record<string, unknown> };
    delete raw.meta[field];
    expect(issuesOf(raw).map((issue) => issue.path)).toContain(`meta.${field}`);
  });

  it("says a missing field is required", () => {
    const raw = clone(seedCommand) as { meta: Record<string, unknown> };
    delete raw.meta.tenantId;
    expect(issuesOf(raw)).toContainEqual({ path: "meta.tenantId", message: "is required" });
  });

  it("rejects a malformed id with the expected shape", () => {
    const raw = clone(seedCommand);
    raw.meta.commandId = "cmd_123";
    expect(issuesOf(raw)).toContainEqual({ path: "meta.commandId", message: "must be cmd_ followed by a ULID" });
  });

  it("rejects a timestamp that is not ISO 8601", () => {
    const raw = clone(seedEvent);
    raw.meta.occurredAt = "25/02/2026 09:20";
    expect(issuesOf(raw).map((issue) => issue.path)).toEqual(["meta.occurredAt"]);
  });
});

describe("versions and names", () => {
  it("rejects an unknown schemaVersion, listing the known ones", () => {
    const raw = clone(seedCommand);
    raw.meta.schemaVersion = "9.0";
    expect(issuesOf(raw)).toContainEqual({
      path: "meta.schemaVersion",
      message: '"9.0" is not a known version of CreateOrder (known: 1.0)',
    });
  });

  it("accepts every registered version of an event (1.0 and 1.1 of OrderCreated)", () => {
    const raw = clone(seedEvent) as { meta: { schemaVersion: string }; data: Record<string, unknown> };
    raw.meta.schemaVersion = "1.0";
    delete raw.data.paymentStatus;
    delete raw.data.inventoryStatus;
    const result = safeParseEnvelope(raw);
    expect(result.success && result.receivedVersion).toBe("1.0");
  });

  it("rejects an unregistered message name", () => {
    const raw = clone(seedCommand);
    raw.meta.commandName = "CreateOrderCommand";
    expect(issuesOf(raw)).toContainEqual({
      path: "meta.commandName",
      message: '"CreateOrderCommand" is not a registered message',
    });
  });

  it("rejects an event sent as a command", () => {
    const raw = clone(seedCommand) as { meta: Record<string, unknown> };
    raw.meta.commandName = "OrderCreated";
    expect(issuesOf(raw)[0]).toEqual({
      path: "meta.commandName",
      message: '"OrderCreated" is an event, not a command',
    });
  });

  it("rejects a message of another name than the handler expects", () => {
    expect(() => parseCommand("AuthorizePayment", clone(seedCommand))).toThrow(
      'meta.commandName must be AuthorizePayment, got "CreateOrder"',
    );
  });

  it("rejects a wrong messageType", () => {
    expect(() => parseEvent("OrderCreated", clone(seedCommand))).toThrow(ContractError);
    expect(issuesOf({ meta: { messageType: "query" }, data: {} })).toEqual([
      { path: "meta.messageType", message: 'must be "command" or "event"' },
    ]);
  });

  it("rejects what is not an envelope", () => {
    expect(issuesOf("hello")).toEqual([{ path: "", message: "must be a JSON object with meta and data" }]);
    expect(issuesOf({ data: {} })).toEqual([{ path: "meta", message: "is required" }]);
  });
});

describe("data", () => {
  it("reports each invalid data field with its path", () => {
    const raw = clone(seedCommand) as { data: { items: Array<Record<string, unknown>>; currency: unknown } };
    raw.data.currency = "aud";
    raw.data.items[1] = { sku: "SKU-999", qty: 0, unitPrice: "19.95" };
    const issues = issuesOf(raw);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "data.currency", message: "must be an ISO 4217 code, e.g. AUD" },
        { path: "data.items.1.qty", message: "must be >= 1" },
        { path: "data.items.1.unitPrice", message: "must be number, got string" },
      ]),
    );
  });

  it("rejects an order without items", () => {
    const raw = clone(seedCommand) as { data: { items: unknown[] } };
    raw.data.items = [];
    expect(issuesOf(raw)).toEqual([{ path: "data.items", message: "must have at least 1 items" }]);
  });

  it("tolerates unknown fields (a newer producer) and drops them from the typed data", () => {
    const raw = clone(seedEvent) as { data: Record<string, unknown>; meta: Record<string, unknown> };
    raw.data.loyaltyPoints = 12;
    raw.meta.traceparent = "00-abc";
    const event = parseEvent("OrderCreated", raw);
    expect(event.data).not.toHaveProperty("loyaltyPoints");
    expect(event.data.orderId).toBe("ORD-100045");
  });
});
