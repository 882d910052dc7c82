import { randomUUID } from "node:crypto";
import type { MessageAttributes } from "./md5";
import { defaultQueueAttributes, parseRedrivePolicy, type RedrivePolicy } from "./validation";

/** One message as a queue holds it. Times are epoch milliseconds. */
export interface StoredMessage {
  id: string;
  body: string;
  messageAttributes: MessageAttributes;
  systemAttributes: MessageAttributes;
  senderId: string;
  messageGroupId?: string;
  /** When the message was first enqueued; retention counts from here, even after a move to a DLQ. */
  sentAt: number;
  /** Until when the message is hidden: by its delay before the first receive, by its visibility timeout after. */
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  /** The receipt of the latest receive; only its handle may delete the message or change its visibility. */
  receipt?: { nonce: string; receivedAt: number };
  /** The queue the message was moved from by a redrive policy. */
  deadLetterSourceArn?: string;
}

export interface QueueCounts {
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Receipt handles are opaque to clients; this one names the queue, the message and the receive. */
export interface ReceiptHandle {
  queueArn: string;
  messageId: string;
  nonce: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeReceiptHandle(handle: ReceiptHandle): string {
  return Buffer.from(`${handle.queueArn} ${handle.messageId} ${handle.nonce}`, "utf8").toString("base64");
}

export function decodeReceiptHandle(text: string): ReceiptHandle | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const parts = Buffer.from(text, "base64").toString("utf8").split(" ");
  const [queueArn, messageId, nonce] = parts;
  if (parts.length !== 3 || !queueArn?.startsWith("arn:") || !messageId || !nonce || !UUID.test(nonce)) {
    return undefined;
  }
  return { queueArn, messageId, nonce };
}

export function queueArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sqs:${region}:${accountId}:${name}`;
}

/** One standard queue: its attributes and its messages in the order they were enqueued. */
export class Queue {
  readonly messages = new Map<string, StoredMessage>();
  attributes: Record<string, string>;
  tags: Record<string, string>;
  lastModifiedAt: number;
  deleted = false;
  private redrive: RedrivePolicy | undefined;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly createdAt: number,
    attributes: Record<string, string> = {},
    tags: Record<string, string> = {},
  ) {
    this.attributes = defaultQueueAttributes();
    this.tags = { ...tags };
    this.lastModifiedAt = createdAt;
    this.setAttributes(attributes, createdAt);
  }

  /** Applies already normalised attributes; an empty string removes an optional one. */
  setAttributes(attributes: Record<string, string>, now: number): void {
    for (const [name, value] of Object.entries(attributes)) {
      if (value === "") delete this.attributes[name];
      else this.attributes[name] = value;
    }
    if (attributes.KmsMasterKeyId && attributes.SqsManagedSseEnabled === undefined) {
      this.attributes.SqsManagedSseEnabled = "false";
    }
    const policy = this.attributes.RedrivePolicy;
    this.redrive = policy ? parseRedrivePolicy(policy) : undefined;
    this.lastModifiedAt = now;
  }

  get redrivePolicy(): RedrivePolicy | undefined {
    return this.redrive;
  }

  private integer(name: string): number {
    return Number(this.attributes[name] ?? 0);
  }

  get visibilityTimeout(): number {
    return this.integer("VisibilityTimeout");
  }

  get delaySeconds(): number {
    return this.integer("DelaySeconds");
  }

  get maximumMessageSize(): number {
    return this.integer("MaximumMessageSize");
  }

  get retentionPeriod(): number {
    return this.integer("MessageRetentionPeriod");
  }

  get receiveWaitTimeSeconds(): number {
    return this.integer("ReceiveMessageWaitTimeSeconds");
  }

  enqueue(message: StoredMessage): void {
    this.messages.set(message.id, message);
  }

  /** Drops messages older than the retention period; returns how many. */
  expire(now: number): number {
    const oldest = now - this.retentionPeriod * 1000;
    let expired = 0;
    for (const message of this.messages.values()) {
      if (message.sentAt <= oldest) {
        this.messages.delete(message.id);
        expired++;
      }
    }
    return expired;
  }

  /** Messages that can be received now, oldest first. */
  *visibleMessages(now: number): Generator<StoredMessage> {
    for (const message of this.messages.values()) if (message.visibleAt <= now) yield message;
  }

  /** Hides a message for `visibilityTimeout` seconds under a new receipt, counting the receive. */
  receive(message: StoredMessage, now: number, visibilityTimeout: number): string {
    const nonce = randomUUID();
    message.receiveCount++;
    message.firstReceivedAt ??= now;
    message.receipt = { nonce, receivedAt: now };
    message.visibleAt = now + visibilityTimeout * 1000;
    return encodeReceiptHandle({ queueArn: this.arn, messageId: message.id, nonce });
  }

  /** The message a receipt handle refers to, if the handle is still the latest receipt of it. */
  current(handle: ReceiptHandle): StoredMessage | undefined {
    const message = this.messages.get(handle.messageId);
    return message?.receipt?.nonce === handle.nonce ? message : undefined;
  }

  counts(now: number): QueueCounts {
    const counts: QueueCounts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) counts.visible++;
      else if (message.receiveCount === 0) counts.delayed++;
      else counts.inFlight++;
    }
    return counts;
  }

  /** The next moment a hidden message becomes visible, if any is hidden. */
  nextVisibleAt(now: number): number | undefined {
    let next: number | undefined;
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && (next === undefined || message.visibleAt < next)) next = message.visibleAt;
    }
    return next;
  }

  purge(): number {
    const count = this.messages.size;
    this.messages.clear();
    return count;
  }
}
