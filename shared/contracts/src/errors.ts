import type * as z from "zod/mini";

export interface ContractIssue {
  /** Dot path of the offending field in the envelope, e.g. `meta.commandId` or `data.items.0.qty`. */
  path: string;
  message: string;
}

/** A message that does not satisfy its contract; names every offending field. */
export class ContractError extends Error {
  override readonly name = "ContractError";
  constructor(
    readonly issues: readonly ContractIssue[],
    subject = "message",
  ) {
    super(`invalid ${subject}: ${issues.map((issue) => `${issue.path || "(root)"} ${issue.message}`).join("; ")}`);
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const GENERIC = "Invalid input";

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const custom = issue.message && issue.message !== GENERIC ? issue.message : undefined;
  switch (issue.code) {
    case "invalid_type": {
      const value = valueAt(input, issue.path);
      if (value === undefined) return "is required";
      return `must be ${issue.expected === "int" ? "an integer" : issue.expected}, got ${typeName(value)}`;
    }
    case "too_small": {
      if (custom) return custom;
      const bound = `${issue.inclusive === false ? "more than" : "at least"} ${issue.minimum}`;
      if (issue.origin === "string") return `must have ${bound} characters`;
      if (issue.origin === "array") return `must have ${bound} items`;
      return `must be ${issue.inclusive === false ? ">" : ">="} ${issue.minimum}`;
    }
    case "too_big": {
      if (custom) return custom;
      const bound = `${issue.inclusive === false ? "fewer than" : "at most"} ${issue.maximum}`;
      if (issue.origin === "string") return `must have ${bound} characters`;
      if (issue.origin === "array") return `must have ${bound} items`;
      return `must be ${issue.inclusive === false ? "<" : "<="} ${issue.maximum}`;
    }
    case "invalid_format":
      return custom ?? `must be a valid ${issue.format}`;
    case "invalid_value":
      return custom ?? `must be ${issue.values.map((value) => JSON.stringify(value)).join(" or ")}`;
    case "unrecognized_keys":
      return `has unknown field(s) ${issue.keys.join(", ")}`;
    case "invalid_union":
      return custom ?? "matches none of the allowed shapes";
    default:
      return custom ?? GENERIC.toLowerCase();
  }
}

/** Contract issues, one per zod issue, with the dot path relative to `input` (plus `prefix`). */
export function toContractIssues(error: z.core.$ZodError, input: unknown, prefix: readonly PropertyKey[] = []) {
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].map(String).join("."),
    message: describe(issue, valueAt(input, prefix)),
  }));
}
