import { createCommand, createEvent } from "@keel/contracts";
import type { Context } from "aws-lambda";
import type { ArchivedMessage } from "../src/domain/archive";
import { archivedMessage, archivePartition } from "../src/domain/archive";
import type { AuditRecord } from "../src/domain/audit";
import { messageRecord } from "../src/domain/audit";
import { makeHandler } from "../src/handlers/audit-message";

const buses = { commands: "keel-test-commands", events: "keel-test-events" };
const command = createCommand(
  "CreateOrder",
  {
    orderId: "ORD-1",
    customerId: "CUST-1",
    currency: "AUD",
    items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
    paymentMethodToken: "tok_secret",
    contact: { email: "ada@example.com" },
  },
  { tenantId: "tenant-1", initiator: { type: "user", id: "u" } },
);
const busEvent = (detail: unknown, detailType: string, source: string, time = "2026-11-24T10:15:30Z") => ({
  version: "0",
  id: "5d2f0a87-6b61-4f0e-9d6c-000000000001",
  "detail-type": detailType,
  source,
  account: "000000000000",
  time,
  region: "us-east-1",
  resources: [],
  detail: JSON.parse(JSON.stringify(detail)) as unknown,
});

describe("the message archive", () => {
  it("keeps a command whole, secrets included, under its bus and hour, with its ids to filter on", () => {
    const event = busEvent(command, "CreateOrder", "com.example.orders.api");
    const now = new Date("2026-11-24T10:15:31Z");
    const archived = archivedMessage(event, buses, 90, now);
    expect(archived).toMatchObject({
      partition: "keel-test-commands#2026-11-24T10",
      position: "2026-11-24T10:15:30.000Z#5d2f0a87-6b61-4f0e-9d6c-000000000001",
      bus: "keel-test-commands",
      receivedAt: "2026-11-24T10:15:30.000Z",
      messageId: command.meta.commandId,
      correlationId: command.meta.correlationId,
      tenantId: "tenant-1",
      source: "com.example.orders.api",
      detailType: "CreateOrder",
      expiresAt: Math.floor(now.getTime() / 1000) + 90 * 86_400,
    });
    expect(JSON.parse(archived.event)).toEqual(event);
    expect(archived.event).toContain("tok_secret");
  });

  it("files events under the event bus and remembers a replay", () => {
    const created = createEvent("OrderCreated", {
      orderId: "ORD-1",
      status: "CREATED",
      totalAmount: 10,
      currency: "AUD",
    });
    const replayed = { ...created, meta: { ...created.meta, replayOf: created.meta.eventId } };
    const archived = archivedMessage(busEvent(replayed, "OrderCreated", "com.example.orders.workflow"), buses, 1);
    expect(archived.bus).toBe("keel-test-events");
    expect(archived.replayOf).toBe(created.meta.eventId);
    expect(archivePartition("keel-test-events", "2026-01-02T03:04:05.678Z")).toBe("keel-test-events#2026-01-02T03");
  });

  it("keeps a message that breaks its contract too (a replay's dry run reports it)", () => {
    const archived = archivedMessage(
      busEvent({ meta: { eventName: "OrderCreated" }, data: {} }, "OrderCreated", "x"),
      buses,
      1,
    );
    expect(archived).toMatchObject({ bus: "keel-test-events", detailType: "OrderCreated" });
    expect(archived.messageId).toBeUndefined();
  });
});

describe("a replayed message in the audit trail", () => {
  it("is filed apart from the original, when it was seen, with the id it re-publishes", () => {
    const original = messageRecord(command, "com.example.orders.api", "CreateOrder", "2026-01-01T00:00:00.000Z");
    const replay = messageRecord(
      { ...command, meta: { ...command.meta, replayOf: command.meta.commandId } },
      "com.example.orders.api",
      "CreateOrder",
      "2026-02-01T00:00:00.000Z",
    );
    expect(replay).toMatchObject({
      kind: "command",
      at: "2026-02-01T00:00:00.000Z",
      messageId: command.meta.commandId,
      replayOf: command.meta.commandId,
    });
    expect(replay?.recordKey).toBe(`2026-02-01T00:00:00.000Z#command#${command.meta.commandId}#replay`);
    expect(replay?.recordKey).not.toBe(original?.recordKey);
    expect(original?.replayOf).toBeUndefined();
  });
});

describe("the audit writer", () => {
  const env = { COMMAND_BUS_NAME: buses.commands, EVENT_BUS_NAME: buses.events, MESSAGE_RETENTION_DAYS: "30" };
  beforeAll(() => Object.assign(process.env, env));
  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
  });

  it("archives the message whole and audits it without its secrets", async () => {
    const archived: ArchivedMessage[] = [];
    const audited: AuditRecord[] = [];
    const handler = makeHandler({
      audit: () => ({ write: async (records) => void audited.push(...records) }),
      archive: () => ({ put: async (message) => void archived.push(message) }),
    });
    await handler(busEvent(command, "CreateOrder", "com.example.orders.api") as never, {} as Context);
    expect(archived).toHaveLength(1);
    expect(archived[0]?.event).toContain("tok_secret");
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain("tok_secret");
  });
});
