import * as z from "zod/mini";
import { secret } from "./classification";
import { ID_PATTERNS } from "./ids";

/**
 * The envelope every Keel message travels in, in the shape of the first write-up's examples:
 * `{ meta, routing?, data }` for commands and `{ meta, subject?, data }` for events. The envelope
 * is the EventBridge `detail`; `source` and `detail-type` come from the message registry.
 */

const nonEmpty = (max = 256) => z.string().check(z.minLength(1), z.maxLength(max));

export const schemaVersionSchema = z.string().check(z.regex(/^\d+\.\d+$/, "must be MAJOR.MINOR, e.g. 1.0"));
export const commandIdSchema = z.string().check(z.regex(ID_PATTERNS.command, "must be cmd_ followed by a ULID"));
export const eventIdSchema = z.string().check(z.regex(ID_PATTERNS.event, "must be evt_ followed by a ULID"));
export const messageIdSchema = z
  .string()
  .check(z.regex(ID_PATTERNS.message, "must be a command or event id (cmd_… or evt_…)"));
export const correlationIdSchema = z
  .string()
  .check(z.regex(ID_PATTERNS.correlation, "must be corr_ followed by a ULID or a UUID"));
export const timestampSchema = z.iso.datetime({ message: "must be an ISO 8601 UTC timestamp" });

/** Where the outcome of a command should be reported; outcome events echo it unchanged. */
export const replyToSchema = z.object({ taskToken: secret(z.string().check(z.minLength(1), z.maxLength(8192))) });
export type ReplyTo = z.infer<typeof replyToSchema>;

/** The tenant a message belongs to, as carried in `meta.tenantId`. */
export const tenantIdSchema = nonEmpty(64);

export const initiatorSchema = z.object({
  type: z.enum(["user", "service", "system"]),
  id: nonEmpty(),
});
export type Initiator = z.infer<typeof initiatorSchema>;

const sharedMeta = {
  schemaVersion: schemaVersionSchema,
  correlationId: correlationIdSchema,
  /** The id of the message that caused this one; null for a message that starts a conversation. */
  causationId: z.nullable(messageIdSchema),
  occurredAt: timestampSchema,
  replyTo: z.optional(replyToSchema),
  /** Set when the message is a re-publication of an archived one: the original message's id. */
  replayOf: z.optional(messageIdSchema),
};

export const commandMetaSchema = z.object({
  messageType: z.literal("command"),
  commandName: nonEmpty(64),
  commandId: commandIdSchema,
  ...sharedMeta,
  tenantId: tenantIdSchema,
  initiator: initiatorSchema,
});
export type CommandMeta = z.infer<typeof commandMetaSchema>;

export const eventMetaSchema = z.object({
  messageType: z.literal("event"),
  eventName: nonEmpty(64),
  eventId: eventIdSchema,
  ...sharedMeta,
  /** `<domain>.<component>` of the publisher, e.g. `orders.workflow`. */
  producer: z.string().check(z.regex(/^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/, "must be <domain>.<component>")),
  tenantId: z.optional(tenantIdSchema),
});
export type EventMeta = z.infer<typeof eventMetaSchema>;

export const routingSchema = z.object({
  domain: nonEmpty(64),
  target: nonEmpty(128),
  priority: z.optional(z.enum(["low", "normal", "high"])),
});
export type Routing = z.infer<typeof routingSchema>;

export const subjectSchema = z.object({ domain: nonEmpty(64), id: nonEmpty() });
export type Subject = z.infer<typeof subjectSchema>;

export interface CommandEnvelope<Data = unknown> {
  meta: CommandMeta;
  routing?: Routing;
  data: Data;
}

export interface EventEnvelope<Data = unknown> {
  meta: EventMeta;
  subject?: Subject;
  data: Data;
}

export type Envelope<Data = unknown> = CommandEnvelope<Data> | EventEnvelope<Data>;

/** The envelope schema of one message version: its name and version pinned, its data typed. */
export function commandEnvelopeSchema<D extends z.ZodMiniType>(name: string, version: string, data: D) {
  return z.object({
    meta: z.extend(commandMetaSchema, { commandName: z.literal(name), schemaVersion: z.literal(version) }),
    routing: z.optional(routingSchema),
    data,
  });
}

export function eventEnvelopeSchema<D extends z.ZodMiniType>(name: string, version: string, data: D) {
  return z.object({
    meta: z.extend(eventMetaSchema, { eventName: z.literal(name), schemaVersion: z.literal(version) }),
    subject: z.optional(subjectSchema),
    data,
  });
}

export const messageIdOf = (envelope: Envelope): string =>
  envelope.meta.messageType === "command" ? envelope.meta.commandId : envelope.meta.eventId;

export const messageNameOf = (envelope: Envelope): string =>
  envelope.meta.messageType === "command" ? envelope.meta.commandName : envelope.meta.eventName;
