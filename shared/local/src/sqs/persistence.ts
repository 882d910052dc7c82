import { readFileSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { MessageAttributes } from "./md5";
import { Queue, type StoredMessage } from "./queues";

/** The JSON file the emulator keeps its queues in; binary attribute values are base64. */
interface Snapshot {
  version: 1;
  queues: QueueSnapshot[];
}

interface QueueSnapshot {
  name: string;
  createdAt: number;
  lastModifiedAt: number;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  messages: MessageSnapshot[];
}

type AttributeSnapshot = Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;

interface MessageSnapshot {
  id: string;
  body: string;
  messageAttributes: AttributeSnapshot;
  systemAttributes: AttributeSnapshot;
  senderId: string;
  messageGroupId?: string;
  sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  deadLetterSourceArn?: string;
}

function attributesToJson(attributes: MessageAttributes): AttributeSnapshot {
  const json: AttributeSnapshot = {};
  for (const [name, value] of Object.entries(attributes)) {
    json[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString("base64") }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return json;
}

function attributesFromJson(json: AttributeSnapshot): MessageAttributes {
  const attributes: MessageAttributes = {};
  for (const [name, value] of Object.entries(json)) {
    attributes[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Uint8Array.from(Buffer.from(value.BinaryValue, "base64")) }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return attributes;
}

function messageToJson(message: StoredMessage): MessageSnapshot {
  const { receipt: _receipt, messageAttributes, systemAttributes, ...rest } = message;
  return {
    ...rest,
    messageAttributes: attributesToJson(messageAttributes),
    systemAttributes: attributesToJson(systemAttributes),
  };
}

export function serializeQueues(queues: Iterable<Queue>): string {
  const snapshot: Snapshot = { version: 1, queues: [] };
  for (const queue of queues) {
    snapshot.queues.push({
      name: queue.name,
      createdAt: queue.createdAt,
      lastModifiedAt: queue.lastModifiedAt,
      attributes: { ...queue.attributes },
      tags: { ...queue.tags },
      messages: [...queue.messages.values()].map(messageToJson),
    });
  }
  return `${JSON.stringify(snapshot, null, 2)}\n`;
}

function isSnapshot(value: unknown): value is Snapshot {
  if (typeof value !== "object" || value === null) return false;
  const { version, queues } = value as Record<string, unknown>;
  return version === 1 && Array.isArray(queues);
}

/**
 * Reads the queues saved at `path` (none if the file does not exist). Messages that were in flight
 * become visible again, as their receipt handles did not survive; delayed messages keep their delay.
 */
export function loadQueues(path: string, now: number, arnOf: (name: string) => string): Queue[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`the SQS state file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isSnapshot(parsed)) throw new Error(`the SQS state file ${path} is not a version 1 snapshot`);
  return parsed.queues.map((saved) => {
    const queue = new Queue(saved.name, arnOf(saved.name), saved.createdAt, saved.attributes, saved.tags);
    queue.lastModifiedAt = saved.lastModifiedAt;
    for (const message of saved.messages) {
      const inFlight = message.receiveCount > 0 && message.visibleAt > now;
      queue.enqueue({
        ...message,
        messageAttributes: attributesFromJson(message.messageAttributes),
        systemAttributes: attributesFromJson(message.systemAttributes),
        visibleAt: inFlight ? now : message.visibleAt,
      });
    }
    queue.expire(now);
    return queue;
  });
}

/**
 * Writes snapshots to a file, at most one at a time, `debounceMs` after the last change; each write
 * goes to a temporary file renamed over the target, so a crash never leaves a half-written file.
 */
export class SnapshotWriter {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly debounceMs: number,
    private readonly snapshot: () => string,
  ) {}

  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error: unknown) => {
        console.error(`failed to save the SQS state to ${this.path}:`, error);
      });
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Writes the current state now if it changed since the last write. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing.catch(() => undefined);
    if (!this.dirty) return;
    this.dirty = false;
    this.writing = this.write(this.snapshot())
      .catch((error: unknown) => {
        this.dirty = true;
        throw error;
      })
      .finally(() => {
        this.writing = undefined;
      });
    await this.writing;
  }

  private async write(text: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, text, "utf8");
    await rename(temporary, this.path);
  }
}
