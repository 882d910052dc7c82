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

const looksLikeJson = (text: string) => {
  const first = text.trimStart()[0];
  return first === "{" || first === "[";
};

/**
 * A copy of a value with every sensitive field masked, at any depth, also inside strings that
 * hold JSON (an HTTP request's body, a Step Functions execution's input); `changed` tells whether
 * anything was masked.
 */
function redactDeep(value: unknown): { value: unknown; changed: boolean } {
  if (typeof value === "string") {
    if (!looksLikeJson(value)) return { value, changed: false };
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return { value, changed: false };
    }
    const inner = redactDeep(parsed);
    return inner.changed ? { value: JSON.stringify(inner.value), changed: true } : { value, changed: false };
  }
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const result = redactDeep(item);
      changed ||= result.changed;
      return result.value;
    });
    return changed ? { value: items, changed } : { value, changed };
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const entries = Object.entries(value).map(([key, item]) => {
      if (SENSITIVE_KEYS.has(key) && item !== null && item !== undefined) {
        changed = true;
        return [key, REDACTED];
      }
      const result = redactDeep(item);
      changed ||= result.changed;
      return [key, result.value];
    });
    return changed ? { value: Object.fromEntries(entries), changed } : { value, changed };
  }
  return { value, changed: false };
}

/**
 * A `JSON.stringify` replacer for Powertools Logger (`jsonReplacerFn`) that masks sensitive
 * fields wherever they sit, also inside strings holding JSON.
 */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (SENSITIVE_KEYS.has(key) && value !== null && value !== undefined) return REDACTED;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string" && looksLikeJson(value)) return redactDeep(value).value;
  return value;
}
