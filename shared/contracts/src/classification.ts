import * as z from "zod/mini";

/**
 * Data classification of message fields. `pii` is personal data (contact details); `secret` is
 * a credential or payment instrument. Both are redacted from every log line, and kept out of
 * audit records unless the field is marked safe for audit (`{ auditable: true }`: a decision the
 * owning domain takes for a field an audit cannot do without; a secret never is).
 */
export type Classification = "pii" | "secret";
export const CLASSIFICATION_KEY = "x-classification";
/** `"keep"` on a classified field marked safe for audit records. */
export const AUDIT_KEY = "x-audit";

export interface ClassifyOptions {
  /** Kept in audit records (never in logs). */
  auditable?: boolean;
}

/** Tags a field schema; the tags travel into the generated JSON Schema as `x-classification` and `x-audit`. */
export function classify<S extends z.ZodMiniType>(
  schema: S,
  classification: Classification,
  options: ClassifyOptions = {},
): S {
  z.globalRegistry.add(schema as z.core.$ZodType, {
    [CLASSIFICATION_KEY]: classification,
    ...(options.auditable ? { [AUDIT_KEY]: "keep" } : {}),
  });
  return schema;
}
export const pii = <S extends z.ZodMiniType>(schema: S, options: ClassifyOptions = {}): S =>
  classify(schema, "pii", options);
export const secret = <S extends z.ZodMiniType>(schema: S): S => classify(schema, "secret");

export interface ClassifiedPath {
  /** Dot path below the message's `data`; `[]` stands for every element of an array. */
  path: string;
  classification: Classification;
  /** Marked safe for audit records. */
  auditable: boolean;
}

function classificationOf(schema: z.ZodMiniType): Omit<ClassifiedPath, "path"> | undefined {
  const meta = z.globalRegistry.get(schema);
  const value = meta?.[CLASSIFICATION_KEY];
  if (value !== "pii" && value !== "secret") return undefined;
  return { classification: value, auditable: value === "pii" && meta?.[AUDIT_KEY] === "keep" };
}

interface WrapperDef {
  innerType?: z.ZodMiniType;
  in?: z.ZodMiniType;
  element?: z.ZodMiniType;
  shape?: Record<string, z.ZodMiniType>;
  options?: readonly z.ZodMiniType[];
}

/** Every classified field of a schema, found by walking its definition. */
export function classifiedPaths(schema: z.ZodMiniType, prefix = ""): ClassifiedPath[] {
  const own = classificationOf(schema);
  if (own) return [{ path: prefix, ...own }];
  const def = schema._zod.def as unknown as WrapperDef & { type: string };
  switch (def.type) {
    case "object":
      return Object.entries(def.shape ?? {}).flatMap(([key, child]) =>
        classifiedPaths(child, prefix ? `${prefix}.${key}` : key),
      );
    case "array":
      return def.element ? classifiedPaths(def.element, `${prefix}[]`) : [];
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
    case "catch":
      return def.innerType ? classifiedPaths(def.innerType, prefix) : [];
    case "pipe":
      return def.in ? classifiedPaths(def.in, prefix) : [];
    case "union":
      return dedupe((def.options ?? []).flatMap((option) => classifiedPaths(option, prefix)));
    default:
      return [];
  }
}

function dedupe(paths: ClassifiedPath[]): ClassifiedPath[] {
  const seen = new Map<string, ClassifiedPath>();
  for (const entry of paths) seen.set(entry.path, entry);
  return [...seen.values()];
}

export const REDACTED = "[REDACTED]";

/** The data an audit record may keep: without the classified fields not marked safe for audit. */
export function auditableData<T>(data: T, classified: readonly ClassifiedPath[]): T {
  return redact(
    data,
    classified.filter((field) => !field.auditable).map((field) => field.path),
    "remove",
  );
}

/**
 * A copy of `value` with the fields at `paths` replaced by `[REDACTED]` (or removed with
 * `mode: "remove"`). Paths are relative to `value`; `[]` descends into every array element.
 */
export function redact<T>(value: T, paths: readonly string[], mode: "mask" | "remove" = "mask"): T {
  if (paths.length === 0) return value;
  const copy = structuredClone(value);
  for (const path of paths) applyAt(copy, tokenize(path), mode);
  return copy;
}

function tokenize(path: string): string[] {
  return path.split(".").flatMap((part) => {
    const tokens: string[] = [];
    let rest = part;
    while (rest.endsWith("[]")) {
      tokens.unshift("[]");
      rest = rest.slice(0, -2);
    }
    return rest ? [rest, ...tokens] : tokens;
  });
}

function applyAt(target: unknown, tokens: string[], mode: "mask" | "remove"): void {
  const [head, ...rest] = tokens;
  if (head === undefined || target === null || typeof target !== "object") return;
  if (head === "[]") {
    if (Array.isArray(target)) for (const item of target) applyAt(item, rest, mode);
    return;
  }
  const record = target as Record<string, unknown>;
  if (!(head in record)) return;
  if (rest.length > 0) applyAt(record[head], rest, mode);
  else if (mode === "remove") delete record[head];
  else record[head] = REDACTED;
}
