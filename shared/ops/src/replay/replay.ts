import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { getMessage } from "@keel/contracts";
import type { BusEvent } from "../dlq/dead-letter";
import type { ArchivedMessage, ArchiveReader } from "./archive";
import { BusRouting, type Route } from "./routing";
import { type Validation, validateArchived } from "./validate";

export interface ReplayFilter {
  bus: string;
  from: Date;
  to: Date;
  /** Message names (`detail-type`s) to replay; all when absent. */
  types?: readonly string[];
  correlationId?: string;
  tenantId?: string;
}

export type ReplayStatus = "sent" | "would-send" | "skipped" | "invalid" | "failed";

export interface ReplayItem {
  message: ArchivedMessage;
  status: ReplayStatus;
  validation?: Validation;
  /** Dry run: the rules and targets that would receive it. */
  routes?: Route[];
  reason?: string;
}

export interface ReplaySummary {
  bus: string;
  from: string;
  to: string;
  dryRun: boolean;
  total: number;
  sent: number;
  skipped: number;
  invalid: number;
  failed: number;
}

export interface ReplayOptions {
  dryRun?: boolean;
  /** Called for every message, in order, once its fate is known. */
  onItem?: (item: ReplayItem) => void;
  /** Called as the replay advances. */
  onProgress?: (summary: ReplaySummary & { done: number }) => void;
}

/** PutEvents takes 10 entries and 256 KB per request. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 200 * 1024;

const messageNameOf = (message: ArchivedMessage) => {
  const meta = (message.event.detail as { meta?: { commandName?: unknown; eventName?: unknown } } | null)?.meta;
  return String(meta?.commandName ?? meta?.eventName ?? message.detailType);
};

/** Throws for a `--type` the registry does not know. */
export function checkMessageTypes(types: readonly string[]): void {
  const unknown = types.filter((type) => !getMessage(type));
  if (unknown.length > 0) throw new Error(`not a registered message: ${unknown.join(", ")}`);
}

export function selected(message: ArchivedMessage, filter: ReplayFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(messageNameOf(message))) return false;
  if (filter.correlationId && message.correlationId !== filter.correlationId) return false;
  if (filter.tenantId && message.tenantId !== filter.tenantId) return false;
  return true;
}

/** The entry that publishes an archived message again: same source, detail-type and ids, `meta.replayOf` set. */
export function replayEntry(message: ArchivedMessage, bus: string): PutEventsRequestEntry {
  const detail = message.event.detail as { meta: Record<string, unknown> };
  return {
    EventBusName: bus,
    Source: message.event.source,
    DetailType: message.event["detail-type"],
    Detail: JSON.stringify({ ...detail, meta: { ...detail.meta, replayOf: message.messageId } }),
    Resources: message.event.resources ?? [],
  };
}

const entryBytes = (entry: PutEventsRequestEntry) =>
  Buffer.byteLength(entry.Source ?? "") +
  Buffer.byteLength(entry.DetailType ?? "") +
  Buffer.byteLength(entry.Detail ?? "");

/**
 * Replays archived messages of a bus: each is checked against the current registry (an invalid one
 * is never published), then published again with its original ids and `meta.replayOf` set, so the
 * consumers' idempotency (keyed on the message id) turns it into no second side effect. Messages
 * that are themselves replays, and a message id seen twice, are skipped. With `dryRun`, nothing is
 * published: each message is validated and its routes (rules and targets) computed.
 */
export async function replay(
  clients: { eventBridge: EventBridgeClient },
  archive: ArchiveReader,
  filter: ReplayFilter,
  options: ReplayOptions = {},
): Promise<ReplaySummary> {
  const messages: ArchivedMessage[] = [];
  for await (const message of archive.read(filter)) if (selected(message, filter)) messages.push(message);
  messages.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));

  const dryRun = options.dryRun ?? false;
  const summary: ReplaySummary = {
    bus: filter.bus,
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    dryRun,
    total: messages.length,
    sent: 0,
    skipped: 0,
    invalid: 0,
    failed: 0,
  };
  let done = 0;
  const settle = (item: ReplayItem) => {
    if (item.status === "sent" || item.status === "would-send") summary.sent += 1;
    else summary[item.status] += 1;
    done += 1;
    options.onItem?.(item);
    options.onProgress?.({ ...summary, done });
  };

  const routing = new BusRouting(clients.eventBridge, filter.bus);
  const seen = new Set<string>();
  let batch: Array<{ item: ReplayItem; entry: PutEventsRequestEntry }> = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    let results: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
    try {
      results =
        (await clients.eventBridge.send(new PutEventsCommand({ Entries: sending.map(({ entry }) => entry) })))
          .Entries ?? [];
    } catch (error) {
      results = sending.map(() => ({ ErrorCode: (error as Error).name, ErrorMessage: (error as Error).message }));
    }
    sending.forEach(({ item }, index) => {
      const result = results[index];
      if (result?.EventId) settle({ ...item, status: "sent" });
      else
        settle({
          ...item,
          status: "failed",
          reason: `${result?.ErrorCode ?? "Unknown"}: ${result?.ErrorMessage ?? ""}`,
        });
    });
  };

  for (const message of messages) {
    // Messages are reported in order: what is waiting to be published goes first.
    if (!dryRun && batch.length > 0 && (message.replayOf || !message.messageId || seen.has(message.messageId)))
      await flush();
    if (message.replayOf) {
      settle({ message, status: "skipped", reason: `a replay itself (of ${message.replayOf})` });
      continue;
    }
    const validation = validateArchived(message.event as BusEvent);
    if (!validation.valid) {
      await flush();
      settle({ message, status: "invalid", validation, reason: validation.issues.join("; ") });
      continue;
    }
    if (!message.messageId || seen.has(message.messageId)) {
      settle({ message, status: "skipped", validation, reason: `${message.messageId} is already in this replay` });
      continue;
    }
    seen.add(message.messageId);
    if (dryRun) {
      settle({ message, status: "would-send", validation, routes: await routing.routes(message.event) });
      continue;
    }
    const entry = replayEntry(message, filter.bus);
    const bytes = batch.reduce((total, pending) => total + entryBytes(pending.entry), 0);
    if (batch.length >= MAX_BATCH_ENTRIES || bytes + entryBytes(entry) > MAX_BATCH_BYTES) await flush();
    batch.push({ item: { message, status: "sent", validation }, entry });
  }
  await flush();
  return summary;
}
