import { createEvent, type EventEnvelope } from "@keel/contracts";
import type { Channel, EventOf, Notification } from "../src/domain/notification";
import type { ChannelPort, EventPublisher, Log, NotificationsRepository, OutgoingMessage } from "../src/domain/ports";

/** Notifications in memory, with the same conditional semantics as the DynamoDB adapter. */
export function memoryNotifications(): NotificationsRepository & { items: Map<string, Notification> } {
  const items = new Map<string, Notification>();
  const key = ({ orderKey, notificationId }: { orderKey: string; notificationId: string }) =>
    `${orderKey}|${notificationId}`;
  return {
    items,
    record: async (notification) => {
      if (items.has(key(notification))) return false;
      items.set(key(notification), { ...notification });
      return true;
    },
    get: async (wanted) => {
      const found = items.get(key(wanted));
      return found ? { ...found } : undefined;
    },
    markSent: async (wanted, sent) => {
      const current = items.get(key(wanted));
      if (current?.status !== "SENDING") return false;
      items.set(key(wanted), { ...current, status: "SENT", ...sent });
      return true;
    },
    markAnnounced: async (wanted, announcedAt) => {
      const current = items.get(key(wanted));
      if (!current) throw new Error("no such notification");
      items.set(key(wanted), { announcedAt, ...current });
    },
  };
}

/** A channel that keeps what it was given; `failNext` makes the next send on a channel throw (a crash or a refusal). */
export function capturingChannel() {
  const sent: OutgoingMessage[] = [];
  const failing = new Set<Channel>();
  const channel: ChannelPort = {
    send: async (message) => {
      if (failing.delete(message.channel)) throw new Error(`${message.channel} provider unavailable`);
      sent.push(message);
      return { messageId: `msg-${sent.length}` };
    },
  };
  return { channel, sent, failNext: (name: Channel) => void failing.add(name) };
}

/** A bus that keeps what it was given; `failNext` makes the next publish throw. */
export function capturingPublisher() {
  const published: EventEnvelope[] = [];
  let fail = false;
  const publisher: EventPublisher = {
    publish: async (envelopes) => {
      if (fail) {
        fail = false;
        throw new Error("PutEvents failed");
      }
      published.push(...envelopes);
      return envelopes.map(() => "id");
    },
  };
  return {
    publisher,
    published,
    failNext: () => {
      fail = true;
    },
  };
}

export function recordingLog() {
  const lines: Array<{ level: "info" | "warn"; message: string; attributes: Record<string, unknown> }> = [];
  const log: Log = {
    info: (message, attributes) => void lines.push({ level: "info", message, attributes }),
    warn: (message, attributes) => void lines.push({ level: "warn", message, attributes }),
  };
  return { log, lines };
}

export const OPS_EMAIL = "payments-ops@example.com";
export const contact = { email: "ada@example.com", phone: "+61400000001" };

export const orderCreated = (
  data: Partial<EventOf<"OrderCreated">["data"]> = {},
  meta: { tenantId?: string } = { tenantId: "tenant-1" },
) =>
  createEvent(
    "OrderCreated",
    { orderId: "ORD-1", status: "CREATED", totalAmount: 119.85, currency: "AUD", contact, ...data },
    meta,
  ) as EventOf<"OrderCreated">;

export const orderRejected = (data: Partial<EventOf<"OrderRejected">["data"]> = {}) =>
  createEvent(
    "OrderRejected",
    { orderId: "ORD-2", status: "REJECTED", reason: "OUT_OF_STOCK", contact, ...data },
    { tenantId: "tenant-1" },
  ) as EventOf<"OrderRejected">;

export const paymentFailed = (data: Partial<EventOf<"PaymentFailed">["data"]> = {}) =>
  createEvent(
    "PaymentFailed",
    { orderId: "ORD-3", reason: "CARD_DECLINED", amount: 59.85, currency: "AUD", ...data },
    { tenantId: "tenant-1" },
  ) as EventOf<"PaymentFailed">;
