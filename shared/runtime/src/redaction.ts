import { REDACTED, registry } from "@keel/contracts";

/**
 * Field names whose values never reach a log line: every field the registry classifies as
 * personal data or a secret (in any message), task tokens, and credentials in HTTP headers.
 */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  ...Object.values(registry).flatMap((message) =>
    message.classified.map((field) => field.path.split(".").at(-1)?.replace("[]", "") ?? field.path),
  ),
  "taskToken",
  "authorization",
  "idempotency-key",
  "cookie",
  "set-cookie",
]);

/** A `JSON.stringify` replacer for Powertools Logger (`jsonReplacerFn`) that masks sensitive fields wherever they sit. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (SENSITIVE_KEYS.has(key) && value !== null && value !== undefined) return REDACTED;
  if (typeof value === "bigint") return value.toString();
  return value;
}
