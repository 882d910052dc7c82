import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from "@aws-sdk/client-eventbridge";
import { type Envelope, messageNameOf, toEventBridgeEntry } from "@keel/contracts";
import { PublishError } from "./errors";
import { tracer } from "./powertools";

let eventBridge: EventBridgeClient | undefined;

/** The EventBridge client of this environment (endpoint and region from the standard AWS variables). */
export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return eventBridge;
}

export interface PublisherOptions {
  /** Attempts per entry, the first included (default 4). */
  maxAttempts?: number;
  /** Delay before the first retry; doubles each time, with jitter (default 50 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

const entryBytes = (entry: PutEventsRequestEntry) =>
  Buffer.byteLength(entry.Source ?? "") +
  Buffer.byteLength(entry.DetailType ?? "") +
  Buffer.byteLength(entry.Detail ?? "") +
  14;

/** Groups entries into PutEvents calls of at most ten entries and 256 KB. */
function batches(entries: PutEventsRequestEntry[]): PutEventsRequestEntry[][] {
  const result: PutEventsRequestEntry[][] = [];
  let current: PutEventsRequestEntry[] = [];
  let size = 0;
  for (const entry of entries) {
    const bytes = entryBytes(entry);
    if (current.length === MAX_ENTRIES || (current.length > 0 && size + bytes > MAX_REQUEST_BYTES)) {
      result.push(current);
      current = [];
      size = 0;
    }
    current.push(entry);
    size += bytes;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * Publishes envelopes to one bus. PutEvents can accept some entries of a call and refuse others
 * (`FailedEntryCount`): the refused ones are retried with backoff, and if any is still refused
 * after every attempt the call throws a PublishError naming them — nothing is silently dropped.
 */
export class BusPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: Pick<EventBridgeClient, "send">,
    readonly busName: string,
    options: PublisherOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Publishes every envelope; resolves with their EventBridge event ids, in order. */
  async publish(envelopes: readonly Envelope[]): Promise<string[]> {
    const entries = envelopes.map((envelope) => toEventBridgeEntry(envelope, this.busName));
    const ids: string[] = new Array(entries.length);
    let pending = entries.map((entry, index) => ({ entry, index }));
    let lastErrors = new Map<number, { errorCode: string; errorMessage: string }>();
    for (let attempt = 1; pending.length > 0 && attempt <= this.maxAttempts; attempt += 1) {
      if (attempt > 1) await this.sleep(this.baseDelayMs * 2 ** (attempt - 2) * (0.5 + Math.random() / 2));
      const failed: typeof pending = [];
      lastErrors = new Map();
      let offset = 0;
      for (const batch of batches(pending.map((item) => item.entry))) {
        const items = pending.slice(offset, offset + batch.length);
        offset += batch.length;
        let results: PutEventsResultEntry[];
        try {
          results = (await this.client.send(new PutEventsCommand({ Entries: batch }))).Entries ?? [];
        } catch (error) {
          // The whole call failed (throttled, network): every entry of it is retried.
          for (const item of items) {
            failed.push(item);
            lastErrors.set(item.index, { errorCode: (error as Error).name, errorMessage: (error as Error).message });
          }
          continue;
        }
        items.forEach((item, position) => {
          const result = results[position];
          if (result?.EventId && !result.ErrorCode) ids[item.index] = result.EventId;
          else {
            failed.push(item);
            lastErrors.set(item.index, {
              errorCode: result?.ErrorCode ?? "MissingResult",
              errorMessage: result?.ErrorMessage ?? "PutEvents returned no result for this entry",
            });
          }
        });
      }
      pending = failed;
    }
    if (pending.length > 0) {
      throw new PublishError(
        pending.map((item) => ({
          detailType: messageNameOf(envelopes[item.index] as Envelope),
          errorCode: lastErrors.get(item.index)?.errorCode ?? "Unknown",
          errorMessage: lastErrors.get(item.index)?.errorMessage ?? "",
        })),
      );
    }
    return ids;
  }
}
