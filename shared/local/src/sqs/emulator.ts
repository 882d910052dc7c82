import { randomUUID } from "node:crypto";
import {
  invalidAttributeName,
  invalidParameterValue,
  invalidValue,
  messageNotInflight,
  queueDoesNotExist,
  queueNameExists,
  receiptHandleIsInvalid,
  resourceNotFound,
} from "./errors";
import { type MessageAttributes, md5OfBody, md5OfMessageAttributes } from "./md5";
import { loadQueues, SnapshotWriter, serializeQueues } from "./persistence";
import { decodeReceiptHandle, Queue, queueArn, type StoredMessage } from "./queues";
import {
  MAX_DELAY_SECONDS,
  MAX_VISIBILITY_TIMEOUT,
  MAX_WAIT_TIME_SECONDS,
  messageSize,
  normalizeMessageAttributes,
  normalizeQueueAttributes,
  normalizeSystemAttributes,
  parseRedrivePolicy,
  validateIntegerParameter,
  validateMessageBody,
  validateQueueName,
} from "./validation";

export interface SqsEmulatorOptions {
  region: string;
  accountId: string;
  /** A JSON file to load the queues from at start and to save them to after each change. */
  persistPath?: string;
  /** How long after a change the state is saved, in milliseconds (default 100). */
  persistDebounceMs?: number;
}

export interface SendMessageOptions {
  messageAttributes?: MessageAttributes;
  /** Only `AWSTraceHeader` is accepted, as SQS does. */
  messageSystemAttributes?: MessageAttributes;
  /** Defaults to the queue's `DelaySeconds`. */
  delaySeconds?: number;
  messageGroupId?: string;
}

export interface SendResult {
  messageId: string;
  md5OfMessageBody: string;
  /** Absent when the message has no attributes. */
  md5OfMessageAttributes: string | undefined;
  md5OfMessageSystemAttributes: string | undefined;
}

export interface ReceiveOptions {
  /** 1 to 10, default 1. */
  maxNumberOfMessages?: number;
  /** Seconds the received messages stay hidden; defaults to the queue's `VisibilityTimeout`. */
  visibilityTimeout?: number;
  /** Long polling, 0 to 20 seconds; defaults to the queue's `ReceiveMessageWaitTimeSeconds`. */
  waitTimeSeconds?: number;
}

/** The system attributes a receive can report, as ReceiveMessage returns them (strings). */
export type MessageSystemAttributes = Partial<
  Record<
    | "SenderId"
    | "SentTimestamp"
    | "ApproximateReceiveCount"
    | "ApproximateFirstReceiveTimestamp"
    | "AWSTraceHeader"
    | "DeadLetterQueueSourceArn"
    | "MessageGroupId",
    string
  >
>;

export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  messageAttributes: MessageAttributes;
  /** Every system attribute of the message; ReceiveMessage returns only those asked for. */
  attributes: MessageSystemAttributes;
}

export interface QueueInfo {
  name: string;
  arn: string;
  /** All attributes, as GetQueueAttributes with `All` reports them. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface MessageMoveTask {
  taskHandle: string;
  status: "COMPLETED" | "FAILED";
  sourceArn: string;
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number;
  failureReason?: string;
  startedTimestamp: number;
}

const QUEUE_ATTRIBUTE_NAMES = new Set([
  "All",
  "ApproximateNumberOfMessages",
  "ApproximateNumberOfMessagesDelayed",
  "ApproximateNumberOfMessagesNotVisible",
  "ContentBasedDeduplication",
  "CreatedTimestamp",
  "DeduplicationScope",
  "DelaySeconds",
  "FifoQueue",
  "FifoThroughputLimit",
  "KmsDataKeyReusePeriodSeconds",
  "KmsMasterKeyId",
  "LastModifiedTimestamp",
  "MaximumMessageSize",
  "MessageRetentionPeriod",
  "Policy",
  "QueueArn",
  "ReceiveMessageWaitTimeSeconds",
  "RedriveAllowPolicy",
  "RedrivePolicy",
  "SqsManagedSseEnabled",
  "VisibilityTimeout",
]);

const MAX_MOVE_RATE = 500;

const seconds = (milliseconds: number) => String(Math.floor(milliseconds / 1000));

/**
 * An in-memory Amazon SQS (standard queues) with SQS's rules: visibility timeouts and receipt
 * handles, delays, retention, long polling, redrive to dead-letter queues and message move tasks.
 * Queues are named by name, URL (`…/<account>/<name>`) or ARN.
 */
export class SqsEmulator {
  readonly region: string;
  readonly accountId: string;
  private readonly queues = new Map<string, Queue>();
  private readonly waiters = new Map<Queue, Set<() => void>>();
  private readonly moveTasks = new Map<string, MessageMoveTask[]>();
  private readonly writer: SnapshotWriter | undefined;
  private closed = false;

  constructor(options: SqsEmulatorOptions) {
    this.region = options.region;
    this.accountId = options.accountId;
    if (options.persistPath) {
      for (const queue of loadQueues(options.persistPath, Date.now(), (name) => this.queueArn(name))) {
        this.queues.set(queue.name, queue);
      }
      this.writer = new SnapshotWriter(options.persistPath, options.persistDebounceMs ?? 100, () =>
        serializeQueues(this.queues.values()),
      );
    }
  }

  queueArn(name: string): string {
    return queueArn(this.region, this.accountId, name);
  }

  queueUrl(name: string, baseUrl: string): string {
    return `${baseUrl.replace(/\/+$/, "")}/${this.accountId}/${name}`;
  }

  // Queues

  createQueue(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): QueueInfo {
    validateQueueName(name);
    const normalized = normalizeQueueAttributes(attributes);
    const existing = this.queues.get(name);
    if (existing) {
      for (const [attribute, value] of Object.entries(normalized)) {
        if ((existing.attributes[attribute] ?? "") !== value) throw queueNameExists(attribute);
      }
      return this.info(existing);
    }
    this.checkDeadLetterTarget(normalized, name);
    const queue = new Queue(name, this.queueArn(name), Date.now(), normalized, tags);
    this.queues.set(name, queue);
    this.changed();
    return this.info(queue);
  }

  getQueue(queue: string): QueueInfo {
    return this.info(this.resolve(queue));
  }

  /** The queue's name if it exists; undefined otherwise. */
  findQueue(queue: string): string | undefined {
    return this.lookup(queue)?.name;
  }

  /** The queues whose name starts with `prefix`, sorted by name. */
  list(prefix = ""): QueueInfo[] {
    return this.sortedQueues()
      .filter((queue) => queue.name.startsWith(prefix))
      .map((queue) => this.info(queue));
  }

  deleteQueue(queue: string): void {
    const found = this.resolve(queue);
    this.queues.delete(found.name);
    this.moveTasks.delete(found.arn);
    found.deleted = true;
    this.notify(found);
    this.changed();
  }

  getQueueAttributes(queue: string, names: readonly string[]): Record<string, string> {
    for (const name of names) {
      if (!QUEUE_ATTRIBUTE_NAMES.has(name)) throw invalidAttributeName(`Unknown Attribute ${name}.`);
    }
    const all = this.allAttributes(this.resolve(queue));
    if (names.includes("All")) return all;
    const selected: Record<string, string> = {};
    for (const name of names) {
      const value = all[name];
      if (value !== undefined) selected[name] = value;
    }
    return selected;
  }

  setQueueAttributes(queue: string, attributes: Record<string, string>): void {
    const found = this.resolve(queue);
    const normalized = normalizeQueueAttributes(attributes);
    this.checkDeadLetterTarget(normalized, found.name);
    found.setAttributes(normalized, Date.now());
    this.changed();
  }

  purgeQueue(queue: string): void {
    const found = this.resolve(queue);
    if (found.purge() > 0) this.changed();
  }

  tagQueue(queue: string, tags: Record<string, string>): void {
    const found = this.resolve(queue);
    Object.assign(found.tags, tags);
    this.changed();
  }

  untagQueue(queue: string, keys: readonly string[]): void {
    const found = this.resolve(queue);
    for (const key of keys) delete found.tags[key];
    this.changed();
  }

  /** Names of the queues whose redrive policy targets this queue. */
  listDeadLetterSourceQueues(queue: string): string[] {
    const target = this.resolve(queue);
    return this.sourcesOf(target).map((source) => source.name);
  }

  // Messages

  /** Enqueues a message and returns its id. */
  sendMessage(queue: string, body: string, options: SendMessageOptions = {}): string {
    return this.send(queue, body, options).messageId;
  }

  /** Enqueues a message and returns its id and the digests SendMessage reports. */
  send(queue: string, body: string, options: SendMessageOptions = {}): SendResult {
    const found = this.resolve(queue);
    validateMessageBody(body);
    const messageAttributes = normalizeMessageAttributes(options.messageAttributes ?? {});
    const systemAttributes = normalizeSystemAttributes(options.messageSystemAttributes ?? {});
    const size = messageSize(body, messageAttributes);
    if (size > found.maximumMessageSize) {
      throw invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${found.maximumMessageSize} bytes.`,
      );
    }
    const delaySeconds = options.delaySeconds ?? found.delaySeconds;
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw invalidValue("DelaySeconds", delaySeconds, `DelaySeconds must be >= 0 and <= ${MAX_DELAY_SECONDS}`);
    }
    const now = Date.now();
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      messageAttributes,
      systemAttributes,
      senderId: this.accountId,
      ...(options.messageGroupId !== undefined ? { messageGroupId: options.messageGroupId } : {}),
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    found.enqueue(message);
    if (delaySeconds === 0) this.notify(found);
    this.changed();
    return {
      messageId: message.id,
      md5OfMessageBody: md5OfBody(body),
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
      md5OfMessageSystemAttributes: md5OfMessageAttributes(systemAttributes),
    };
  }

  /**
   * Receives up to `maxNumberOfMessages` visible messages, hiding each for the visibility timeout.
   * With a wait time, resolves as soon as at least one message is available, or empty at the end.
   */
  async receiveMessages(queue: string, options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const found = this.resolve(queue);
    const max = options.maxNumberOfMessages ?? 1;
    validateIntegerParameter("MaxNumberOfMessages", max, 1, 10);
    const visibilityTimeout = options.visibilityTimeout ?? found.visibilityTimeout;
    validateIntegerParameter("VisibilityTimeout", visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT);
    const waitTimeSeconds = options.waitTimeSeconds ?? found.receiveWaitTimeSeconds;
    validateIntegerParameter("WaitTimeSeconds", waitTimeSeconds, 0, MAX_WAIT_TIME_SECONDS);
    const deadline = Date.now() + waitTimeSeconds * 1000;
    for (;;) {
      const received = this.receiveNow(found, max, visibilityTimeout);
      const now = Date.now();
      if (received.length > 0 || found.deleted || this.closed || now >= deadline) return received;
      const next = found.nextVisibleAt(now) ?? deadline;
      await this.waitForChange(found, Math.min(deadline, next) - now);
    }
  }

  /**
   * Deletes a message by the receipt handle of its latest receive. As SQS documents, a handle from
   * an earlier receive, or of a message already deleted, succeeds without deleting anything.
   */
  deleteMessage(queue: string, receiptHandle: string): void {
    const found = this.resolve(queue);
    const message = found.current(this.decodeHandle(found, receiptHandle));
    if (!message) return;
    found.messages.delete(message.id);
    this.changed();
  }

  /** Changes the remaining visibility timeout of a received message, counted from now. */
  changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeout: number): void {
    const found = this.resolve(queue);
    validateIntegerParameter("VisibilityTimeout", visibilityTimeout, 0, MAX_VISIBILITY_TIMEOUT);
    const message = found.current(this.decodeHandle(found, receiptHandle));
    if (!message?.receipt) {
      throw invalidValue(
        "ReceiptHandle",
        receiptHandle,
        "Message does not exist or is not available for visibility timeout change.",
      );
    }
    const now = Date.now();
    if (message.visibleAt <= now) throw messageNotInflight();
    // The visibility timeout of one receive can be extended to at most 12 hours after that receive.
    if (now + visibilityTimeout * 1000 > message.receipt.receivedAt + MAX_VISIBILITY_TIMEOUT * 1000) {
      throw invalidValue(
        "VisibilityTimeout",
        visibilityTimeout,
        `Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_TIMEOUT} seconds]`,
      );
    }
    message.visibleAt = now + visibilityTimeout * 1000;
    if (visibilityTimeout === 0) this.notify(found);
    this.changed();
  }

  // Dead-letter queue redrive

  /**
   * Moves the messages now visible in a dead-letter queue to `destinationArn`, or each back to the
   * queue it was dead-lettered from. Moved messages are enqueued afresh (new id, receive count 0).
   * The task runs to completion before this returns.
   */
  startMessageMoveTask(sourceArn: string, destinationArn?: string, maxNumberOfMessagesPerSecond?: number): string {
    const source = this.byArn(sourceArn);
    if (!source) throw resourceNotFound(`The resource that you specified for the SourceArn parameter doesn't exist.`);
    if (this.sourcesOf(source).length === 0) {
      throw invalidParameterValue(`Source queue must be configured as a Dead Letter Queue.`);
    }
    const destination = destinationArn === undefined ? undefined : this.byArn(destinationArn);
    if (destinationArn !== undefined && !destination) {
      throw resourceNotFound(`The resource that you specified for the DestinationArn parameter doesn't exist.`);
    }
    if (maxNumberOfMessagesPerSecond !== undefined) {
      validateIntegerParameter("MaxNumberOfMessagesPerSecond", maxNumberOfMessagesPerSecond, 1, MAX_MOVE_RATE);
    }
    const now = Date.now();
    source.expire(now);
    const candidates = [...source.visibleMessages(now)];
    let moved = 0;
    let unknownSource = false;
    for (const message of candidates) {
      const target = destination ?? (message.deadLetterSourceArn ? this.byArn(message.deadLetterSourceArn) : undefined);
      if (!target) {
        unknownSource = true;
        continue;
      }
      source.messages.delete(message.id);
      target.enqueue({
        id: randomUUID(),
        body: message.body,
        messageAttributes: message.messageAttributes,
        systemAttributes: message.systemAttributes,
        senderId: message.senderId,
        ...(message.messageGroupId !== undefined ? { messageGroupId: message.messageGroupId } : {}),
        sentAt: now,
        visibleAt: now,
        receiveCount: 0,
      });
      this.notify(target);
      moved++;
    }
    const task: MessageMoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: randomUUID(), sourceArn }), "utf8").toString("base64"),
      status: unknownSource ? "FAILED" : "COMPLETED",
      sourceArn,
      ...(destinationArn !== undefined ? { destinationArn } : {}),
      ...(maxNumberOfMessagesPerSecond !== undefined ? { maxNumberOfMessagesPerSecond } : {}),
      approximateNumberOfMessagesMoved: moved,
      approximateNumberOfMessagesToMove: candidates.length,
      ...(unknownSource ? { failureReason: "CouldNotDetermineMessageSource" } : {}),
      startedTimestamp: now,
    };
    this.moveTasks.set(source.arn, [task, ...(this.moveTasks.get(source.arn) ?? [])]);
    if (moved > 0) this.changed();
    return task.taskHandle;
  }

  /** The most recent move tasks of a dead-letter queue, newest first. */
  listMessageMoveTasks(sourceArn: string, maxResults = 1): MessageMoveTask[] {
    const source = this.byArn(sourceArn);
    if (!source) throw resourceNotFound(`The resource that you specified for the SourceArn parameter doesn't exist.`);
    validateIntegerParameter("MaxResults", maxResults, 1, 10);
    return (this.moveTasks.get(source.arn) ?? []).slice(0, maxResults);
  }

  /** Move tasks finish as they start, so there is never a running one to cancel. */
  cancelMessageMoveTask(taskHandle: string): never {
    throw resourceNotFound(`Task ${taskHandle} does not exist or is not running.`);
  }

  // Lifecycle

  /** Writes pending changes to the state file now. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** Ends pending long polls (they return no messages) and saves the state. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of [...this.waiters.keys()]) this.notify(queue);
    await this.flush();
  }

  // Internals

  private lookup(reference: string): Queue | undefined {
    if (reference.startsWith("arn:")) return this.byArn(reference);
    if (reference.includes("://")) {
      let segments: string[];
      try {
        segments = new URL(reference).pathname.split("/").filter(Boolean);
      } catch {
        return undefined;
      }
      const name = segments.at(-1);
      const account = segments.at(-2);
      if (!name || (account !== undefined && account !== this.accountId)) return undefined;
      return this.queues.get(name);
    }
    return this.queues.get(reference);
  }

  private resolve(reference: string): Queue {
    const queue = this.lookup(reference);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  private sortedQueues(): Queue[] {
    return [...this.queues.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The queues whose redrive policy targets `deadLetterQueue`. */
  private sourcesOf(deadLetterQueue: Queue): Queue[] {
    return this.sortedQueues().filter((queue) => queue.redrivePolicy?.deadLetterTargetArn === deadLetterQueue.arn);
  }

  private byArn(arn: string): Queue | undefined {
    const [prefix, partition, service, region, account, name, ...rest] = arn.split(":");
    if (prefix !== "arn" || !partition?.startsWith("aws") || service !== "sqs" || rest.length > 0) return undefined;
    if (region !== this.region || account !== this.accountId || !name) return undefined;
    return this.queues.get(name);
  }

  private info(queue: Queue): QueueInfo {
    return { name: queue.name, arn: queue.arn, attributes: this.allAttributes(queue), tags: { ...queue.tags } };
  }

  private allAttributes(queue: Queue): Record<string, string> {
    const now = Date.now();
    if (queue.expire(now) > 0) this.changed();
    const counts = queue.counts(now);
    return {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: seconds(queue.createdAt),
      LastModifiedTimestamp: seconds(queue.lastModifiedAt),
      ...queue.attributes,
    };
  }

  private checkDeadLetterTarget(attributes: Record<string, string>, queueName: string): void {
    const policy = attributes.RedrivePolicy;
    if (!policy) return;
    const { deadLetterTargetArn } = parseRedrivePolicy(policy);
    const target = this.byArn(deadLetterTargetArn);
    if (!target) throw invalidValue("RedrivePolicy", policy, "Dead letter target does not exist.");
    if (target.name === queueName) {
      throw invalidValue("RedrivePolicy", policy, "Dead letter target cannot be the queue itself.");
    }
  }

  private decodeHandle(queue: Queue, receiptHandle: string) {
    const handle = decodeReceiptHandle(receiptHandle);
    if (!handle || handle.queueArn !== queue.arn) throw receiptHandleIsInvalid(receiptHandle);
    return handle;
  }

  private receiveNow(queue: Queue, max: number, visibilityTimeout: number): ReceivedMessage[] {
    const now = Date.now();
    let changed = queue.expire(now) > 0;
    const received: ReceivedMessage[] = [];
    for (const message of queue.visibleMessages(now)) {
      if (received.length >= max) break;
      changed = true;
      if (this.deadLetter(queue, message, now)) continue;
      const receiptHandle = queue.receive(message, now, visibilityTimeout);
      received.push(this.describe(message, receiptHandle));
    }
    if (changed) this.changed();
    return received;
  }

  /**
   * A message received `maxReceiveCount` times moves to the dead-letter queue when it would be
   * received once more, keeping its id, its enqueue time and its receive count.
   */
  private deadLetter(queue: Queue, message: StoredMessage, now: number): boolean {
    const policy = queue.redrivePolicy;
    if (!policy || message.receiveCount < policy.maxReceiveCount) return false;
    const target = this.byArn(policy.deadLetterTargetArn);
    if (!target || target === queue) return false;
    queue.messages.delete(message.id);
    delete message.receipt;
    message.visibleAt = now;
    message.deadLetterSourceArn = queue.arn;
    target.enqueue(message);
    this.notify(target);
    return true;
  }

  private describe(message: StoredMessage, receiptHandle: string): ReceivedMessage {
    const attributes: MessageSystemAttributes = {
      SenderId: message.senderId,
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    };
    const traceHeader = message.systemAttributes.AWSTraceHeader?.StringValue;
    if (traceHeader !== undefined) attributes.AWSTraceHeader = traceHeader;
    if (message.deadLetterSourceArn !== undefined) attributes.DeadLetterQueueSourceArn = message.deadLetterSourceArn;
    if (message.messageGroupId !== undefined) attributes.MessageGroupId = message.messageGroupId;
    return {
      messageId: message.id,
      receiptHandle,
      body: message.body,
      md5OfBody: md5OfBody(message.body),
      messageAttributes: structuredClone(message.messageAttributes),
      attributes,
    };
  }

  private waitForChange(queue: Queue, milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiters.get(queue);
      if (!waiters) {
        waiters = new Set();
        this.waiters.set(queue, waiters);
      }
      const done = () => {
        clearTimeout(timer);
        const current = this.waiters.get(queue);
        current?.delete(done);
        if (current?.size === 0) this.waiters.delete(queue);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, milliseconds));
      waiters.add(done);
    });
  }

  /** Wakes the long polls waiting on a queue so they look again. */
  private notify(queue: Queue): void {
    for (const wake of [...(this.waiters.get(queue) ?? [])]) wake();
  }

  private changed(): void {
    this.writer?.schedule();
  }
}
