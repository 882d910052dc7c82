import type { EventEnvelope } from "@keel/contracts";
import type { Channel, Notification, NotificationKey } from "./notification";

/** Notifications on record, with the conditional writes that keep one per event and channel. */
export interface NotificationsRepository {
  /** Records a notification about to be sent (status SENDING); false when it is already on record. */
  record(notification: Notification): Promise<boolean>;
  get(key: NotificationKey): Promise<Notification | undefined>;
  /** SENDING → SENT; false when it is no longer SENDING. */
  markSent(key: NotificationKey, sent: { sentAt: string; providerMessageId?: string }): Promise<boolean>;
  /** Notes that NotificationSent was published (the first time only). */
  markAnnounced(key: NotificationKey, announcedAt: string): Promise<void>;
}

export interface OutgoingMessage {
  channel: Channel;
  /** An email address or an E.164 phone number: personal data. */
  recipient: string;
  subject: string;
  body: string;
}

/** Where messages leave the system: a provider, or nowhere (the recording channel). */
export interface ChannelPort {
  /** Resolves once the provider accepted the message, with its id for it when it gives one. */
  send(message: OutgoingMessage): Promise<{ messageId?: string }>;
}

/** The domain event bus. */
export interface EventPublisher {
  publish(envelopes: readonly EventEnvelope[]): Promise<unknown>;
}

/** Log lines; attributes never carry personal data outside the keys the logger redacts. */
export interface Log {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}
