import { decideDelivery, type Notification, recipientsOf } from "../src/domain/notification";
import { notify } from "../src/domain/notify";
import { formatMoney, render } from "../src/domain/templates";
import {
  capturingChannel,
  capturingPublisher,
  contact,
  memoryNotifications,
  OPS_EMAIL,
  orderCreated,
  orderRejected,
  paymentFailed,
  recordingLog,
} from "./fakes";

const EMAIL = /[^\s@]+@[^\s@]+/;
const PHONE = /\+?\d{7,}/;

describe("rendering", () => {
  const orderCreatedData = orderCreated().data;

  it("confirms an order with its id and amount, and no personal data in the subject", () => {
    const { subject, body } = render({ template: "order-created", data: orderCreatedData });
    expect(subject).toBe("Your order ORD-1 is confirmed");
    expect(body).toContain("ORD-1");
    expect(body).toContain("AUD 119.85");
    for (const text of [subject, body]) {
      expect(text).not.toContain(contact.email);
      expect(text).not.toContain(contact.phone);
    }
  });

  it("tells the customer in words why an order was rejected", () => {
    const { subject, body } = render({ template: "order-rejected", data: orderRejected().data });
    expect(subject).toBe("Your order ORD-2 could not be completed");
    expect(body).toContain("ORD-2");
    expect(body).toContain("some of the items are out of stock");
    expect(body).not.toContain("OUT_OF_STOCK");
    const fraud = render({ template: "order-rejected", data: orderRejected({ reason: "FRAUD_SUSPECTED" }).data });
    expect(fraud.body).not.toMatch(/fraud/i);
  });

  it("gives operations the reason, amount and correlation id of a failed payment", () => {
    const event = paymentFailed({ detail: "issuer said no" });
    const { subject, body } = render({
      template: "payment-failed",
      data: event.data,
      trace: { correlationId: event.meta.correlationId, tenantId: "tenant-1" },
    });
    expect(subject).toBe("Payment failed for order ORD-3: CARD_DECLINED");
    expect(body).toContain("the card was declined");
    expect(body).toContain("Detail: issuer said no");
    expect(body).toContain("AUD 59.85");
    expect(body).toContain(event.meta.correlationId);
    expect(body).toContain("tenant-1");
  });

  it("never puts an email address or a phone number in a subject", () => {
    const subjects = [
      render({ template: "order-created", data: orderCreatedData }).subject,
      render({ template: "order-rejected", data: orderRejected().data }).subject,
      render({ template: "payment-failed", data: paymentFailed().data, trace: { correlationId: "corr_1" } }).subject,
    ];
    for (const subject of subjects) {
      expect(subject).not.toMatch(EMAIL);
      expect(subject).not.toMatch(PHONE);
    }
  });

  it("formats money with the currency's own decimals", () => {
    expect(formatMoney(1119.85, "AUD")).toBe("AUD 1,119.85");
    expect(formatMoney(5, "EUR")).toBe("EUR 5.00");
    expect(formatMoney(1200, "JPY")).toBe("JPY 1,200");
  });
});

describe("choosing recipients", () => {
  it("sends email to an email address and SMS to a phone number", () => {
    expect(recipientsOf({ email: "ada@example.com" })).toEqual([{ channel: "email", recipient: "ada@example.com" }]);
    expect(recipientsOf({ phone: "+61400000001" })).toEqual([{ channel: "sms", recipient: "+61400000001" }]);
    expect(recipientsOf(contact)).toEqual([
      { channel: "email", recipient: contact.email },
      { channel: "sms", recipient: contact.phone },
    ]);
  });

  it("has no one to tell without a contact", () => {
    expect(recipientsOf(undefined)).toEqual([]);
    expect(recipientsOf({})).toEqual([]);
  });

  it("decides what a notification already on record still needs", () => {
    expect(decideDelivery({ status: "SENDING" })).toBe("send");
    expect(decideDelivery({ status: "SENT" })).toBe("announce");
    expect(decideDelivery({ status: "SENT", announcedAt: "2026-01-01T00:00:00Z" })).toBe("done");
  });
});

function harness() {
  const notifications = memoryNotifications();
  const channel = capturingChannel();
  const bus = capturingPublisher();
  const logs = recordingLog();
  const deps = {
    notifications,
    channel: channel.channel,
    publisher: bus.publisher,
    log: logs.log,
    opsEmail: OPS_EMAIL,
  };
  const records = () => [...notifications.items.values()];
  return { deps, notifications, channel, bus, logs, records };
}

describe("notifying", () => {
  it("tells the customer of a created order on every channel, records it and announces it", async () => {
    const test = harness();
    const event = orderCreated();
    const outcome = await notify(event, test.deps);

    expect(outcome.deliveries).toEqual([
      { channel: "email", outcome: "sent" },
      { channel: "sms", outcome: "sent" },
    ]);
    expect(test.channel.sent).toEqual([
      expect.objectContaining({ channel: "email", recipient: contact.email, subject: "Your order ORD-1 is confirmed" }),
      expect.objectContaining({ channel: "sms", recipient: contact.phone }),
    ]);
    expect(test.records()).toEqual([
      expect.objectContaining<Partial<Notification>>({
        orderKey: "tenant-1#ORD-1",
        notificationId: `${event.meta.eventId}#email`,
        status: "SENT",
        template: "order-created",
        providerMessageId: "msg-1",
      }),
      expect.objectContaining({ notificationId: `${event.meta.eventId}#sms`, status: "SENT" }),
    ]);
    expect(test.bus.published).toHaveLength(2);
    for (const announced of test.bus.published) {
      expect(announced).toMatchObject({
        meta: {
          eventName: "NotificationSent",
          causationId: event.meta.eventId,
          correlationId: event.meta.correlationId,
          tenantId: "tenant-1",
        },
        data: { orderId: "ORD-1", template: "order-created", about: "OrderCreated" },
      });
    }
    expect(test.bus.published.map((e) => e.data)).toEqual([
      expect.objectContaining({ channel: "email", recipient: contact.email }),
      expect.objectContaining({ channel: "sms", recipient: contact.phone }),
    ]);
  });

  it("tells the customer of a rejected order", async () => {
    const test = harness();
    await notify(orderRejected({ contact: { email: contact.email } }), test.deps);
    expect(test.channel.sent).toEqual([
      expect.objectContaining({ channel: "email", subject: "Your order ORD-2 could not be completed" }),
    ]);
    expect(test.bus.published[0]).toMatchObject({ data: { template: "order-rejected", about: "OrderRejected" } });
  });

  it("tells the payments operations team, not the customer, of a failed payment", async () => {
    const test = harness();
    await notify(paymentFailed(), test.deps);
    expect(test.channel.sent).toEqual([
      expect.objectContaining({ channel: "email", recipient: OPS_EMAIL, subject: expect.stringContaining("ORD-3") }),
    ]);
    expect(test.bus.published[0]).toMatchObject({
      data: { template: "payment-failed", about: "PaymentFailed", recipient: OPS_EMAIL },
    });
  });

  it("records nothing and says so when the event has no contact", async () => {
    const test = harness();
    const outcome = await notify(orderCreated({ contact: undefined }), test.deps);
    expect(outcome.deliveries).toEqual([]);
    expect(test.records()).toEqual([]);
    expect(test.channel.sent).toEqual([]);
    expect(test.bus.published).toEqual([]);
    expect(test.logs.lines).toEqual([
      { level: "info", message: "no contact for order", attributes: { orderId: "ORD-1" } },
    ]);
  });

  it("sends nothing twice for a duplicate event", async () => {
    const test = harness();
    const event = orderCreated();
    await notify(event, test.deps);
    const again = await notify(event, test.deps);
    expect(again.deliveries).toEqual([
      { channel: "email", outcome: "already-done" },
      { channel: "sms", outcome: "already-done" },
    ]);
    expect(test.channel.sent).toHaveLength(2);
    expect(test.bus.published).toHaveLength(2);
  });

  it("resumes on retry a notification recorded before a crash kept it from being sent", async () => {
    const test = harness();
    const event = orderCreated({ contact: { email: contact.email } });
    test.channel.failNext("email");
    await expect(notify(event, test.deps)).rejects.toThrow("email provider unavailable");
    expect(test.records()).toEqual([expect.objectContaining({ status: "SENDING" })]);
    expect(test.channel.sent).toEqual([]);
    expect(test.bus.published).toEqual([]);

    const retry = await notify(event, test.deps);
    expect(retry.deliveries).toEqual([{ channel: "email", outcome: "sent" }]);
    expect(test.channel.sent).toHaveLength(1);
    expect(test.records()).toEqual([expect.objectContaining({ status: "SENT" })]);
    expect(test.bus.published).toHaveLength(1);
  });

  it("does not hold one channel back when another fails, and retries only the failed one", async () => {
    const test = harness();
    const event = orderCreated();
    test.channel.failNext("sms");
    await expect(notify(event, test.deps)).rejects.toThrow("sms provider unavailable");
    expect(test.channel.sent.map((m) => m.channel)).toEqual(["email"]);

    const retry = await notify(event, test.deps);
    expect(retry.deliveries).toEqual([
      { channel: "email", outcome: "already-done" },
      { channel: "sms", outcome: "sent" },
    ]);
    expect(test.channel.sent.map((m) => m.channel)).toEqual(["email", "sms"]);
  });

  it("announces a sent notification whose announcement failed, under the same event id, without sending again", async () => {
    const test = harness();
    const event = orderCreated({ contact: { phone: contact.phone } });
    test.bus.failNext();
    await expect(notify(event, test.deps)).rejects.toThrow("PutEvents failed");
    const [record] = test.records();
    expect(record).toMatchObject({ status: "SENT" });
    expect(record?.announcedAt).toBeUndefined();

    const retry = await notify(event, test.deps);
    expect(retry.deliveries).toEqual([{ channel: "sms", outcome: "announced" }]);
    expect(test.channel.sent).toHaveLength(1);
    expect(test.bus.published.map((e) => e.meta.eventId)).toEqual([record?.sentEventId]);
  });

  it("sends again when it died after sending but before marking it sent (at least once)", async () => {
    const test = harness();
    const event = orderCreated({ contact: { email: contact.email } });
    const markSent = test.notifications.markSent;
    test.notifications.markSent = async () => {
      test.notifications.markSent = markSent;
      throw new Error("the function timed out");
    };
    await expect(notify(event, test.deps)).rejects.toThrow("timed out");
    await notify(event, test.deps);
    expect(test.channel.sent).toHaveLength(2);
    expect(test.bus.published).toHaveLength(1);
  });

  it("records an event without a tenant under tenant unknown, with a warning", async () => {
    const test = harness();
    const event = orderCreated({ contact: { email: contact.email } }, {});
    expect(event.meta.tenantId).toBeUndefined();
    await notify(event, test.deps);
    expect(test.records()).toEqual([expect.objectContaining({ orderKey: "unknown#ORD-1", tenantId: "unknown" })]);
    expect(test.logs.lines).toContainEqual(
      expect.objectContaining({ level: "warn", message: "event carries no tenant" }),
    );
  });

  it("never logs a recipient", async () => {
    const test = harness();
    await notify(orderCreated(), test.deps);
    await notify(orderCreated({ contact: undefined }), test.deps);
    const logged = JSON.stringify(test.logs.lines);
    expect(logged).not.toContain(contact.email);
    expect(logged).not.toContain(contact.phone);
  });
});
