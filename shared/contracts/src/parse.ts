import * as z from "zod/mini";
import { type MessageDefinition, type MessageKind, majorOf } from "./define";
import {
  type CommandEnvelope,
  commandEnvelopeSchema,
  commandMetaSchema,
  type Envelope,
  type EventEnvelope,
  eventEnvelopeSchema,
  eventMetaSchema,
  routingSchema,
  subjectSchema,
} from "./envelope";
import { ContractError, type ContractIssue, toContractIssues } from "./errors";
import { type CommandName, type DataOf, type EventName, getMessage } from "./registry";

export interface Parsed<E extends Envelope = Envelope> {
  /** The envelope with its data in the message's current version (older majors upcast). */
  envelope: E;
  message: MessageDefinition;
  /** The `schemaVersion` the message arrived with. */
  receivedVersion: string;
}

export type ParseResult<E extends Envelope = Envelope> =
  | ({ success: true } & Parsed<E>)
  | { success: false; error: ContractError };

const genericSchemas = {
  command: z.object({ meta: commandMetaSchema, routing: z.optional(routingSchema), data: z.unknown() }),
  event: z.object({ meta: eventMetaSchema, subject: z.optional(subjectSchema), data: z.unknown() }),
};

const versionSchemas = new Map<string, z.ZodMiniType>();

/** The full envelope schema of one version of a message, or undefined for an unknown version. */
export function envelopeSchemaFor(message: MessageDefinition, version: string): z.ZodMiniType | undefined {
  const key = `${message.name}@${version}`;
  const cached = versionSchemas.get(key);
  if (cached) return cached;
  const definition = message.versions.find((candidate) => candidate.version === version);
  if (!definition) return undefined;
  const schema =
    message.kind === "command"
      ? commandEnvelopeSchema(message.name, version, definition.schema)
      : eventEnvelopeSchema(message.name, version, definition.schema);
  versionSchemas.set(key, schema);
  return schema;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Turns data of `fromVersion` into the message's current major through the registry's upcasters. */
export function upcast(message: MessageDefinition, fromVersion: string, data: unknown): unknown {
  const fromMajor = majorOf(fromVersion);
  let current = data;
  for (const version of message.versions) {
    if (majorOf(version.version) > fromMajor && version.upcast) current = version.upcast(current);
  }
  return current;
}

export interface ParseOptions {
  /** Accept only this kind of message. */
  kind?: MessageKind;
  /** Accept only messages of these names. */
  names?: readonly string[];
}

/**
 * Validates a raw envelope against the registry: the envelope's own fields, then the data against
 * the schema of the version it declares. Every problem is reported, each with its field path.
 */
export function safeParseEnvelope(raw: unknown, options: ParseOptions = {}): ParseResult {
  const fail = (issues: ContractIssue[]) => ({ success: false as const, error: new ContractError(issues) });
  if (!isRecord(raw)) return fail([{ path: "", message: "must be a JSON object with meta and data" }]);
  if (!isRecord(raw.meta)) return fail([{ path: "meta", message: "is required" }]);

  const kind = raw.meta.messageType;
  if (kind !== "command" && kind !== "event") {
    return fail([{ path: "meta.messageType", message: 'must be "command" or "event"' }]);
  }
  if (options.kind && kind !== options.kind) {
    return fail([{ path: "meta.messageType", message: `must be "${options.kind}", got "${kind}"` }]);
  }

  const issues: ContractIssue[] = [];
  const nameField = kind === "command" ? "commandName" : "eventName";
  const name = raw.meta[nameField];
  const message = typeof name === "string" ? getMessage(name) : undefined;
  const version = raw.meta.schemaVersion;
  let schema: z.ZodMiniType = genericSchemas[kind];

  if (typeof name === "string" && !message) {
    issues.push({ path: `meta.${nameField}`, message: `"${name}" is not a registered message` });
  } else if (message && message.kind !== kind) {
    issues.push({
      path: `meta.${nameField}`,
      message: `"${message.name}" is ${article(message.kind)}, not ${article(kind)}`,
    });
  } else if (message && options.names && !options.names.includes(message.name)) {
    issues.push({ path: `meta.${nameField}`, message: `must be ${options.names.join(" or ")}, got "${message.name}"` });
  } else if (message && typeof version === "string") {
    const versioned = envelopeSchemaFor(message, version);
    if (versioned) schema = versioned;
    else {
      const known = message.versions.map((candidate) => candidate.version).join(", ");
      issues.push({
        path: "meta.schemaVersion",
        message: `"${version}" is not a known version of ${message.name} (known: ${known})`,
      });
    }
  }

  const result = schema.safeParse(raw);
  if (!result.success) issues.push(...toContractIssues(result.error, raw));
  if (issues.length > 0 || !message || !result.success) return fail(dedupe(issues));

  const envelope = result.data as Envelope;
  const receivedVersion = envelope.meta.schemaVersion;
  if (majorOf(receivedVersion) < majorOf(message.version)) {
    envelope.data = upcast(message, receivedVersion, envelope.data);
    envelope.meta.schemaVersion = message.version;
  }
  return { success: true, envelope, message, receivedVersion };
}

const article = (kind: MessageKind) => (kind === "event" ? "an event" : "a command");

function dedupe(issues: ContractIssue[]): ContractIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function parseEnvelope(raw: unknown, options: ParseOptions = {}): Parsed {
  const result = safeParseEnvelope(raw, options);
  if (!result.success) throw result.error;
  return result;
}

/** Parses a command of one of the given names; the data is typed by the registry. */
export function parseCommand<N extends CommandName>(
  names: N | readonly N[],
  raw: unknown,
): CommandEnvelope<DataOf<N>> & { meta: { commandName: N } } {
  const list = typeof names === "string" ? [names] : names;
  return parseEnvelope(raw, { kind: "command", names: list }).envelope as CommandEnvelope<DataOf<N>> & {
    meta: { commandName: N };
  };
}

/** Parses an event of one of the given names; the data is typed by the registry. */
export function parseEvent<N extends EventName>(
  names: N | readonly N[],
  raw: unknown,
): EventEnvelope<DataOf<N>> & { meta: { eventName: N } } {
  const list = typeof names === "string" ? [names] : names;
  return parseEnvelope(raw, { kind: "event", names: list }).envelope as EventEnvelope<DataOf<N>> & {
    meta: { eventName: N };
  };
}
