import { createEvent, type EventEnvelope } from "@keel/contracts";
import {
  audienceOf,
  type Channel,
  decideDelivery,
  isEvent,
  type Notification,
  type NotifiedEvent,
  newNotification,
  type Recipient,
  TEMPLATES,
  UNKNOWN_TENANT,
} from "./notification";
import type { ChannelPort, EventPublisher, Log, NotificationsRepository } from "./ports";
import { type Rendered, render } from "./templates";

export interface NotifyDependencies {
  notifications: NotificationsRepository;
  channel: ChannelPort;
  publisher: EventPublisher;
  log: Log;
  /** The payments operations team's address: failed payments are reported there. */
  opsEmail: string;
  now?: () => Date;
}

/** What happened on each channel: sent now, only announced now (sent by an earlier attempt), or nothing left to do. */
export type DeliveryOutcome = "sent" | "announced" | "already-done";

export interface NotifyOutcome {
  deliveries: Array<{ channel: Channel; outcome: DeliveryOutcome }>;
}

function contentOf(event: NotifiedEvent): Rendered {
  if (isEvent(event, "OrderCreated")) return render({ template: "order-created", data: event.data });
  if (isEvent(event, "OrderRejected")) return render({ template: "order-rejected", data: event.data });
  return render({
    template: "payment-failed",
    data: event.data,
    trace: { correlationId: event.meta.correlationId, tenantId: event.meta.tenantId },
  });
}

/** NotificationSent for a notification, caused by the event it is about, under the id fixed when it was recorded. */
function announcement(notification: Notification, cause: NotifiedEvent, at: Date): EventEnvelope {
  const { orderId, channel, template, recipient, about } = notification;
  const envelope = createEvent(
    "NotificationSent",
    { orderId, channel, template, recipient, about },
    { cause, now: at },
  );
  return { ...envelope, meta: { ...envelope.meta, eventId: notification.sentEventId } };
}

/**
 * Tells everyone an event concerns, once per event and channel: each notification is recorded
 * (SENDING) before it is sent, marked SENT once the channel accepted it, then announced with
 * NotificationSent. A redelivered event — even long after the toolkit's idempotency records have
 * expired — finds the record and sends nothing again.
 *
 * At least once, not exactly once: if the function dies after the provider accepted a message but
 * before it is marked SENT, the record stays SENDING and the retry sends it again (neither SES nor
 * SMS through SNS takes an idempotency key). A NotificationSent published but not yet noted is
 * published again under the same event id, which consumers deduplicate.
 *
 * The channels are independent: one failing does not hold the others back; the event is retried
 * (by Lambda) for whatever is left, and what was sent is not sent again.
 */
export async function notify(event: NotifiedEvent, deps: NotifyDependencies): Promise<NotifyOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const { orderId } = event.data;
  if (!event.meta.tenantId) deps.log.warn("event carries no tenant", { orderId, recordedUnder: UNKNOWN_TENANT });
  const audience = audienceOf(event, deps);
  if (audience.length === 0) {
    deps.log.info("no contact for order", { orderId });
    return { deliveries: [] };
  }

  const content = contentOf(event);

  const deliver = async (to: Recipient): Promise<DeliveryOutcome> => {
    const fresh = newNotification(event, to, content, now());
    const recorded = await deps.notifications.record(fresh);
    const notification = recorded ? fresh : await deps.notifications.get(fresh);
    if (!notification) throw new Error(`notification ${fresh.notificationId} is neither new nor on record`);
    const decision = recorded ? "send" : decideDelivery(notification);
    if (decision === "done") return "already-done";

    if (decision === "send") {
      // What was recorded is what goes out, also when a retry resumes it.
      const { messageId } = await deps.channel.send({
        channel: notification.channel,
        recipient: notification.recipient,
        subject: notification.subject,
        body: notification.body,
      });
      // false only when a concurrent delivery of the same event marked it first: sent either way, so announce it.
      await deps.notifications.markSent(notification, {
        sentAt: now().toISOString(),
        ...(messageId ? { providerMessageId: messageId } : {}),
      });
    }
    await deps.publisher.publish([announcement(notification, event, now())]);
    await deps.notifications.markAnnounced(notification, now().toISOString());
    return decision === "send" ? "sent" : "announced";
  };

  const settled = await Promise.allSettled(audience.map(deliver));
  const deliveries = audience.flatMap(({ channel }, index) => {
    const result = settled[index];
    return result?.status === "fulfilled" ? [{ channel, outcome: result.value }] : [];
  });
  for (const { channel, outcome } of deliveries)
    deps.log.info("notification delivered", { channel, template: TEMPLATES[event.meta.eventName], outcome });

  const failures = settled.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} notifications could not be sent`);
  return { deliveries };
}
