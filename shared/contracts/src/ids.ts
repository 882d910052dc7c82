import { monotonicFactory } from "ulid";

/** Prefixes of Keel's message and conversation ids. */
export const ID_PREFIXES = { command: "cmd", event: "evt", correlation: "corr" } as const;
export type IdPrefix = (typeof ID_PREFIXES)[keyof typeof ID_PREFIXES];

const ULID = "[0-9A-HJKMNP-TV-Z]{26}";
const UUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

export const ID_PATTERNS = {
  command: new RegExp(`^cmd_${ULID}$`),
  event: new RegExp(`^evt_${ULID}$`),
  /** Generated correlation ids are ULIDs; clients may also bring a UUID (as in the first write-up). */
  correlation: new RegExp(`^corr_(?:${ULID}|${UUID})$`),
  message: new RegExp(`^(?:cmd|evt)_${ULID}$`),
} as const;

const nextUlid = monotonicFactory();

/**
 * A new id: the prefix, an underscore and a ULID. ULIDs start with the time in milliseconds and
 * increase monotonically within one process, so ids sort by creation time as strings.
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${nextUlid(now)}`;
}

export const newCommandId = (now?: number) => newId("cmd", now);
export const newEventId = (now?: number) => newId("evt", now);
export const newCorrelationId = (now?: number) => newId("corr", now);

/** The creation time encoded in a generated id, or undefined when the id carries none (a UUID). */
export function idTime(id: string): Date | undefined {
  const match = /^[a-z]+_([0-9A-HJKMNP-TV-Z]{26})$/.exec(id);
  if (!match?.[1]) return undefined;
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  let ms = 0;
  for (const char of match[1].slice(0, 10)) ms = ms * 32 + alphabet.indexOf(char);
  return new Date(ms);
}
