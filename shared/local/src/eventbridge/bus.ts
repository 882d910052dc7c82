import { randomUUID } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { type Activity, sleep } from "../activity";
import { AwsError } from "../aws/protocol";
import type { BusDef, RuleDef, TargetDef } from "../config/model";
import { type BusEvent, targetInput } from "./input";

/** Why a delivery to a target failed, as EventBridge reports it in the DLQ's ERROR_CODE. */
export class DeliveryError extends Error {
  constructor(
    /** `NO_RESOURCE`, `NO_PERMISSIONS`, `THROTTLING`, `ERROR_FROM_TARGET`, `INVALID_PARAMETER`, `TIMEOUT`… */
    readonly code: string,
    message: string,
    /** Missing targets and permissions are not retried: the event goes straight to the DLQ. */
    readonly retriable: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface TargetDispatcher {
  /** Hands the input to the target; throws a DeliveryError when the target does not accept it. */
  deliver(target: TargetDef, input: string, context: { rule: RuleDef; event: BusEvent }): Promise<void>;
}

export interface DeadLetterSink {
  /** Sends a message to the SQS queue with that ARN; throws when there is no such queue. */
  send(queueArn: string, body: string, attributes: Record<string, string>): Promise<void>;
}

export type BusRecord =
  | {
      type: "event.routed";
      bus: string;
      eventId: string;
      source: string;
      detailType: string;
      rules: string[];
      at: string;
    }
  | {
      type: "event.delivered" | "event.retrying" | "event.dead-lettered" | "event.dropped";
      bus: string;
      eventId: string;
      rule: string;
      target: string;
      attempt: number;
      error?: { code: string; message: string };
      at: string;
    };

export interface EventBridgeOptions {
  region: string;
  accountId: string;
  activity: Activity;
  /** First retry delay; each further retry doubles it (with full jitter), up to `maxDelayMs`. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Archive every event as JSON lines under this folder, and read what is there at start. */
  archiveDir?: string;
  onRecord?: (record: BusRecord) => void;
  /** Sees every event a bus receives, as it is routed (a tap: benchmarks, tools). */
  onEvent?: (bus: string, event: BusEvent) => void;
  /** Wraps each delivery of an event to a target (the fault injector: late, twice). */
  interceptDelivery?: (targetArn: string, deliver: () => Promise<void>) => Promise<void>;
}

export interface ArchivedEvent {
  bus: string;
  receivedAt: string;
  event: BusEvent;
}

export interface PutEventsRequestEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
  TraceHeader?: unknown;
}

export type PutEventsResultEntry = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export const MAX_ENTRIES = 10;
export const MAX_ENTRY_BYTES = 256 * 1024;

const utf8 = (value: unknown) => Buffer.byteLength(String(value ?? ""), "utf8");

/** The size EventBridge counts for an entry (Time is 14 bytes; strings by their UTF-8 length). */
export function entrySize(entry: PutEventsRequestEntry): number {
  const resources = Array.isArray(entry.Resources)
    ? entry.Resources.reduce((sum: number, item) => sum + utf8(item), 0)
    : 0;
  return (
    (entry.Time !== undefined ? 14 : 0) + utf8(entry.Source) + utf8(entry.DetailType) + utf8(entry.Detail) + resources
  );
}

const eventTime = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

function toDate(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const date = typeof value === "number" ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export class EventBridge {
  private readonly buses = new Map<string, BusDef>();
  private readonly rulesByBus = new Map<string, RuleDef[]>();
  private readonly archive: ArchivedEvent[] = [];
  private readonly archiveStreams = new Map<string, WriteStream>();

  constructor(
    buses: readonly BusDef[],
    readonly rules: readonly RuleDef[],
    private readonly dispatcher: TargetDispatcher,
    private readonly deadLetters: DeadLetterSink,
    private readonly options: EventBridgeOptions,
  ) {
    for (const bus of buses) this.buses.set(bus.name, bus);
    for (const rule of rules) {
      const list = this.rulesByBus.get(rule.busName) ?? [];
      list.push(rule);
      this.rulesByBus.set(rule.busName, list);
    }
    if (options.archiveDir) this.loadArchive(options.archiveDir);
  }

  private loadArchive(dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const bus of this.buses.keys()) {
      const file = join(dir, `${bus}.jsonl`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, "utf8").split("\n")) {
        if (line.trim()) this.archive.push(JSON.parse(line) as ArchivedEvent);
      }
    }
    this.archive.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
  }

  /** The bus for a name or an ARN. */
  bus(nameOrArn: string): BusDef | undefined {
    const name = nameOrArn.includes(":event-bus/") ? nameOrArn.slice(nameOrArn.indexOf(":event-bus/") + 11) : nameOrArn;
    return this.buses.get(name);
  }

  listBuses(): BusDef[] {
    return [...this.buses.values()];
  }

  rulesOf(busName: string): RuleDef[] {
    return this.rulesByBus.get(busName) ?? [];
  }

  /** Accepts up to ten entries; each is validated, archived and routed on its own, as on AWS. */
  putEvents(entries: unknown): { FailedEntryCount: number; Entries: PutEventsResultEntry[] } {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new AwsError(
        "ValidationException",
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length > MAX_ENTRIES) {
      throw new AwsError(
        "ValidationException",
        `1 validation error detected: Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
      );
    }
    const results = (entries as PutEventsRequestEntry[]).map((entry) => this.putEvent(entry));
    return { FailedEntryCount: results.filter((result) => "ErrorCode" in result).length, Entries: results };
  }

  private putEvent(entry: PutEventsRequestEntry): PutEventsResultEntry {
    const invalid = (name: string, reason: string) => ({
      ErrorCode: "InvalidArgument",
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${reason}`,
    });
    if (typeof entry !== "object" || entry === null) return invalid("Entry", "Entry must be an object.");
    if (typeof entry.Source !== "string" || entry.Source.length === 0)
      return invalid("Source", "Source is a required argument.");
    if (typeof entry.DetailType !== "string" || entry.DetailType.length === 0) {
      return invalid("DetailType", "DetailType is a required argument.");
    }
    if (typeof entry.Detail !== "string" || entry.Detail.length === 0)
      return invalid("Detail", "Detail is a required argument.");
    if (entry.Source.startsWith("aws.")) {
      return {
        ErrorCode: "NotAuthorizedForSourceException",
        ErrorMessage: `Not authorized for the source ${entry.Source}.`,
      };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
    }
    if (typeof detail !== "object" || detail === null || Array.isArray(detail)) {
      return { ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed." };
    }
    const size = entrySize(entry);
    if (size > MAX_ENTRY_BYTES) {
      return {
        ErrorCode: "InvalidArgument",
        ErrorMessage: `Entry size ${size} bytes exceeds the limit of ${MAX_ENTRY_BYTES} bytes.`,
      };
    }
    const busName = typeof entry.EventBusName === "string" && entry.EventBusName ? entry.EventBusName : "default";
    const bus = this.bus(busName);
    if (!bus) return { ErrorCode: "ResourceNotFoundException", ErrorMessage: `Event bus ${busName} does not exist.` };
    const time = toDate(entry.Time) ?? new Date();
    const event: BusEvent = {
      version: "0",
      id: randomUUID(),
      "detail-type": entry.DetailType,
      source: entry.Source,
      account: this.options.accountId,
      time: eventTime(time),
      region: this.options.region,
      resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
      detail,
    };
    this.route(bus.name, event, new Date());
    return { EventId: event.id };
  }

  /** An event an AWS service sends to a bus itself (sources `aws.*`, which PutEvents refuses). */
  emitServiceEvent(busName: string, source: string, detailType: string, detail: unknown, resources: string[] = []) {
    const now = new Date();
    this.route(
      busName,
      {
        version: "0",
        id: randomUUID(),
        "detail-type": detailType,
        source,
        account: this.options.accountId,
        time: eventTime(now),
        region: this.options.region,
        resources,
        detail,
      },
      now,
    );
  }

  /** Archives an event and delivers it to every target of every enabled rule it matches. */
  route(busName: string, event: BusEvent, receivedAt: Date) {
    const archived: ArchivedEvent = { bus: busName, receivedAt: receivedAt.toISOString(), event };
    this.archive.push(archived);
    this.archiveStream(busName)?.write(`${JSON.stringify(archived)}\n`);
    this.options.onEvent?.(busName, event);
    const matched = this.rulesOf(busName).filter((rule) => rule.state === "ENABLED" && rule.pattern.matches(event));
    this.record({
      type: "event.routed",
      bus: busName,
      eventId: event.id,
      source: event.source,
      detailType: event["detail-type"],
      rules: matched.map((rule) => rule.name),
      at: receivedAt.toISOString(),
    });
    for (const rule of matched) {
      for (const target of rule.targets) {
        const end = this.options.activity.begin();
        const deliver = () => this.deliver(busName, rule, target, event, receivedAt);
        const intercept = this.options.interceptDelivery;
        void (intercept ? intercept(target.arn, deliver) : deliver()).finally(end);
      }
    }
  }

  private archiveStream(busName: string): WriteStream | undefined {
    if (!this.options.archiveDir) return undefined;
    let stream = this.archiveStreams.get(busName);
    if (!stream) {
      stream = createWriteStream(join(this.options.archiveDir, `${busName}.jsonl`), { flags: "a" });
      this.archiveStreams.set(busName, stream);
    }
    return stream;
  }

  private record(record: BusRecord) {
    this.options.onRecord?.(record);
  }

  private async deliver(busName: string, rule: RuleDef, target: TargetDef, event: BusEvent, receivedAt: Date) {
    const base = this.options.retryBaseDelayMs ?? 1000;
    const cap = this.options.retryMaxDelayMs ?? 60_000;
    const common = { bus: busName, eventId: event.id, rule: rule.name, target: target.arn };
    let input: string;
    try {
      input = targetInput(target, rule, event, receivedAt);
    } catch (error) {
      return this.deadLetter(
        common,
        rule,
        target,
        event,
        new DeliveryError("INVALID_PARAMETER", (error as Error).message, false),
        0,
        undefined,
      );
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.dispatcher.deliver(target, input, { rule, event });
        this.record({ type: "event.delivered", ...common, attempt, at: new Date().toISOString() });
        return;
      } catch (caught) {
        const error =
          caught instanceof DeliveryError
            ? caught
            : new DeliveryError("INTERNAL_ERROR", (caught as Error).message, true);
        const retriesDone = attempt - 1;
        const ageSeconds = (Date.now() - receivedAt.getTime()) / 1000;
        if (!error.retriable) return this.deadLetter(common, rule, target, event, error, retriesDone, undefined);
        if (retriesDone >= target.retryPolicy.maximumRetryAttempts) {
          return this.deadLetter(common, rule, target, event, error, retriesDone, "MaximumRetryAttempts");
        }
        const delay = Math.random() * Math.min(cap, base * 2 ** retriesDone);
        if (ageSeconds + delay / 1000 > target.retryPolicy.maximumEventAgeSeconds) {
          return this.deadLetter(common, rule, target, event, error, retriesDone, "MaximumEventAgeInSeconds");
        }
        this.record({
          type: "event.retrying",
          ...common,
          attempt,
          error: { code: error.code, message: error.message },
          at: new Date().toISOString(),
        });
        await sleep(delay);
      }
    }
  }

  private async deadLetter(
    common: { bus: string; eventId: string; rule: string; target: string },
    rule: RuleDef,
    target: TargetDef,
    event: BusEvent,
    error: DeliveryError,
    retryAttempts: number,
    exhausted: string | undefined,
  ) {
    const at = new Date().toISOString();
    const reported = { code: error.code, message: error.message };
    if (!target.deadLetterArn) {
      this.record({ type: "event.dropped", ...common, attempt: retryAttempts + 1, error: reported, at });
      return;
    }
    const attributes: Record<string, string> = {
      RULE_ARN: rule.arn,
      TARGET_ARN: target.arn,
      ERROR_CODE: error.code,
      ERROR_MESSAGE: error.message,
      RETRY_ATTEMPTS: String(retryAttempts),
      ...(exhausted ? { EXHAUSTED_RETRY_CONDITION: exhausted } : {}),
    };
    try {
      await this.deadLetters.send(target.deadLetterArn, JSON.stringify(event), attributes);
      this.record({ type: "event.dead-lettered", ...common, attempt: retryAttempts + 1, error: reported, at });
    } catch (sendError) {
      this.record({
        type: "event.dropped",
        ...common,
        attempt: retryAttempts + 1,
        error: {
          code: "DLQ_SEND_FAILED",
          message: `${error.message}; and the DLQ refused it: ${(sendError as Error).message}`,
        },
        at,
      });
    }
  }

  /** Archived events of a bus, oldest first, between two times (inclusive). */
  archived(filter: { bus?: string; from?: Date; to?: Date } = {}): ArchivedEvent[] {
    return this.archive.filter(
      (item) =>
        (!filter.bus || item.bus === filter.bus) &&
        (!filter.from || item.receivedAt >= filter.from.toISOString()) &&
        (!filter.to || item.receivedAt <= filter.to.toISOString()),
    );
  }

  async close() {
    await Promise.all(
      [...this.archiveStreams.values()].map((stream) => new Promise<void>((resolve) => stream.end(() => resolve()))),
    );
    this.archiveStreams.clear();
  }
}
