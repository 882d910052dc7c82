import { type DataOf, type EventEnvelope, newEventId } from "@keel/contracts";

/**
 * A notification tells one recipient, on one channel, about one event. It is recorded before it is
 * sent, so that a redelivered event — however late — finds it and sends nothing twice:
 *
 *   (none) ──record──▶ SENDING ──channel accepts──▶ SENT ──NotificationSent published──▶ SENT + announcedAt
 *                         │
 *                         └── a crash here leaves SENDING: the retry sends again (at least once, see notify.ts)
 */
export type NotificationStatus = "SENDING" | "SENT";

export type Channel = DataOf<"NotificationSent">["channel"];
export type Template = DataOf<"NotificationSent">["template"];

/** The events this service tells people about. */
export type NotifiedEventName = "OrderCreated" | "OrderRejected" | "PaymentFailed";
export type EventOf<N extends NotifiedEventName> = EventEnvelope<DataOf<N>> & { meta: { eventName: N } };
export type NotifiedEvent = { [N in NotifiedEventName]: EventOf<N> }[NotifiedEventName];

export const isEvent = <N extends NotifiedEventName>(
  event: NotifiedEvent,
  name: N,
): event is NotifiedEvent & EventOf<N> => event.meta.eventName === name;

export const TEMPLATES: Readonly<Record<NotifiedEventName, Template>> = {
  OrderCreated: "order-created",
  OrderRejected: "order-rejected",
  PaymentFailed: "payment-failed",
};

/** Where one notification goes. The recipient is personal data: stored, never logged. */
export interface Recipient {
  channel: Channel;
  recipient: string;
}

export type Contact = NonNullable<DataOf<"OrderCreated">["contact"]>;

/** Every channel a contact gives, email first: an email address → `email`, a phone number → `sms`. */
export function recipientsOf(contact: Contact | undefined): Recipient[] {
  return [
    ...(contact?.email ? [{ channel: "email" as const, recipient: contact.email }] : []),
    ...(contact?.phone ? [{ channel: "sms" as const, recipient: contact.phone }] : []),
  ];
}

/** Who hears about an event: the customer about their order, the payments operations team about a failed payment. */
export function audienceOf(event: NotifiedEvent, settings: { opsEmail: string }): Recipient[] {
  if (isEvent(event, "PaymentFailed")) return [{ channel: "email", recipient: settings.opsEmail }];
  return recipientsOf(event.data.contact);
}

/** The tenant in the keys of an event that carries none (`meta.tenantId` is optional on events). */
export const UNKNOWN_TENANT = "unknown";

export const orderKeyOf = (tenantId: string, orderId: string) => `${tenantId}#${orderId}`;
/** One notification per consumed event and channel: the key a redelivery collides with. */
export const notificationIdOf = (eventId: string, channel: Channel) => `${eventId}#${channel}`;

export interface NotificationKey {
  orderKey: string;
  notificationId: string;
}

export interface Notification extends NotificationKey {
  tenantId: string;
  orderId: string;
  channel: Channel;
  recipient: string;
  template: Template;
  /** The event the notification is about: its name and id. */
  about: NotifiedEventName;
  aboutEventId: string;
  correlationId: string;
  subject: string;
  body: string;
  status: NotificationStatus;
  /** The id NotificationSent is published with, fixed when recorded: announcing again repeats the same event. */
  sentEventId: string;
  recordedAt: string;
  sentAt?: string;
  /** The provider's id for the message (SES or SNS), when it gives one. */
  providerMessageId?: string;
  /** When NotificationSent was published. */
  announcedAt?: string;
}

/** A notification about to be sent: recorded as SENDING before anything goes out. */
export function newNotification(
  event: NotifiedEvent,
  to: Recipient,
  content: { subject: string; body: string },
  at: Date,
): Notification {
  const tenantId = event.meta.tenantId ?? UNKNOWN_TENANT;
  return {
    orderKey: orderKeyOf(tenantId, event.data.orderId),
    notificationId: notificationIdOf(event.meta.eventId, to.channel),
    tenantId,
    orderId: event.data.orderId,
    channel: to.channel,
    recipient: to.recipient,
    template: TEMPLATES[event.meta.eventName],
    about: event.meta.eventName,
    aboutEventId: event.meta.eventId,
    correlationId: event.meta.correlationId,
    subject: content.subject,
    body: content.body,
    status: "SENDING",
    sentEventId: newEventId(at.getTime()),
    recordedAt: at.toISOString(),
  };
}

/** What to do with a notification already on record when its event arrives (again). */
export type DeliveryDecision = "send" | "announce" | "done";

export function decideDelivery(existing: Pick<Notification, "status" | "announcedAt">): DeliveryDecision {
  switch (existing.status) {
    case "SENDING":
      // Recorded, but the channel never confirmed it (a crash or a failed send): send it now.
      return "send";
    case "SENT":
      return existing.announcedAt ? "done" : "announce";
  }
}
