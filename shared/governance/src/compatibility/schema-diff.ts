import { canonical, childPath, deepEqual, isAnnotation, isRecord, type SchemaObject, stripAnnotations } from "../json";
import type { Breaks, ChangeRule } from "./rules";

/** One difference between two JSON Schemas, with who it breaks (see `Breaks`). */
export interface SchemaChange {
  /** The field, e.g. `data.items[].qty`; `[]` is every element of an array, `.*` any other key. */
  path: string;
  rule: ChangeRule;
  breaks: Breaks;
  /** What changed, e.g. `maximum 1000000000 → 1000`. */
  detail: string;
}

export interface DiffOptions {
  /** The path of the compared schemas, e.g. `data` when comparing the `data` subschemas. */
  path?: string;
  /** The documents the compared schemas belong to, for `$ref`s (default: the schemas themselves). */
  oldRoot?: unknown;
  newRoot?: unknown;
}

/**
 * Every difference between what `oldSchema` and `newSchema` accept, field by field. Works on the
 * JSON Schema (draft 2020-12) zod 4 generates (`z.toJSONSchema`, io "input"): objects open unless
 * `additionalProperties: false`, nullable as `anyOf [X, {type: null}]`, literals as `const`,
 * enums as `enum`, integers as `type: integer`, `$ref`s into `$defs`. Annotations (descriptions,
 * `x-classification`, `x-keel`, `default`…) are not part of what a schema accepts and are ignored.
 * A keyword the diff does not understand is reported as SCHEMA_CHANGED when it differs.
 */
export function diffSchemas(oldSchema: unknown, newSchema: unknown, options: DiffOptions = {}): SchemaChange[] {
  const differ = new Differ(options.oldRoot ?? oldSchema, options.newRoot ?? newSchema);
  differ.compare(oldSchema, newSchema, options.path ?? "");
  return differ.changes;
}

/** Keywords the diff compares itself; any other (non-annotation) keyword that differs is SCHEMA_CHANGED. */
const HANDLED = new Set([
  "type",
  "const",
  "enum",
  "minimum",
  "exclusiveMinimum",
  "maximum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minItems",
  "maxItems",
  "uniqueItems",
  "items",
  "prefixItems",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "anyOf",
  "oneOf",
  "$ref",
  "$defs",
  "definitions",
]);

interface Bound {
  value: number;
  exclusive: boolean;
  keyword: string;
}

const show = (value: unknown) => JSON.stringify(value);
const list = (values: readonly unknown[]) => values.map(show).join(", ");

class Differ {
  readonly changes: SchemaChange[] = [];
  private readonly refPairs = new Set<string>();

  constructor(
    private readonly oldRoot: unknown,
    private readonly newRoot: unknown,
  ) {}

  private add(path: string, rule: ChangeRule, breaks: Breaks, detail: string) {
    this.changes.push({ path, rule, breaks, detail });
  }

  compare(oldInput: unknown, newInput: unknown, path: string): void {
    const oldRef = refOf(oldInput);
    const newRef = refOf(newInput);
    if (oldRef || newRef) {
      const pair = `${oldRef ?? ""}→${newRef ?? ""}@${path}`;
      if (this.refPairs.has(pair)) return; // a recursive schema: this pair is being compared already
      this.refPairs.add(pair);
    }
    const oldSchema = toObject(resolve(oldInput, this.oldRoot));
    const newSchema = toObject(resolve(newInput, this.newRoot));
    if (deepEqual(stripAnnotations(oldSchema), stripAnnotations(newSchema))) return;

    if (isNothing(oldSchema) || isNothing(newSchema)) {
      if (isNothing(oldSchema) && !isNothing(newSchema))
        this.add(path, "CONSTRAINT_WIDENED", "forward", "accepted nothing, now accepts values");
      else if (!isNothing(oldSchema)) this.add(path, "CONSTRAINT_NARROWED", "backward", "accepts nothing now");
      return;
    }

    const oldVariants = variantsOf(oldSchema, this.oldRoot);
    const newVariants = variantsOf(newSchema, this.newRoot);
    const [oldOnly] = oldVariants;
    const [newOnly] = newVariants;
    if (oldVariants.length === 1 && newVariants.length === 1 && oldOnly && newOnly) {
      this.compareNode(oldOnly, newOnly, path);
    } else {
      this.compareVariants(oldVariants, newVariants, path);
    }
  }

  /** Unions (`anyOf`/`oneOf`, nullable, `type: [...]`): variants matched by type (and discriminator). */
  private compareVariants(oldVariants: SchemaObject[], newVariants: SchemaObject[], path: string) {
    const unmatchedNew = [...newVariants];
    const unmatchedOld: SchemaObject[] = [];
    for (const oldVariant of oldVariants) {
      const index = unmatchedNew.findIndex((candidate) => variantKey(candidate) === variantKey(oldVariant));
      const match = index >= 0 ? unmatchedNew.splice(index, 1)[0] : undefined;
      if (match) this.compare(oldVariant, match, path);
      else unmatchedOld.push(oldVariant);
    }
    // What is left may still be the same variant changed (e.g. integer → number): pair by base type.
    for (const oldVariant of [...unmatchedOld]) {
      const index = unmatchedNew.findIndex((candidate) => baseType(candidate) === baseType(oldVariant));
      const match = index >= 0 ? unmatchedNew.splice(index, 1)[0] : undefined;
      if (!match) continue;
      unmatchedOld.splice(unmatchedOld.indexOf(oldVariant), 1);
      this.compare(oldVariant, match, path);
    }
    for (const variant of unmatchedOld) {
      this.add(path, "TYPE_CHANGED", "backward", `${describeVariant(variant)} is no longer accepted`);
    }
    for (const variant of unmatchedNew) {
      this.add(path, "TYPE_CHANGED", "forward", `${describeVariant(variant)} is now accepted`);
    }
  }

  private compareNode(oldSchema: SchemaObject, newSchema: SchemaObject, path: string) {
    const oldType = typeOf(oldSchema);
    const newType = typeOf(newSchema);
    if (oldType !== newType) {
      if (oldType === "integer" && newType === "number") {
        this.add(path, "TYPE_CHANGED", "forward", "integer → number");
      } else if (oldType === "number" && newType === "integer") {
        this.add(path, "TYPE_CHANGED", "backward", "number → integer");
      } else if (oldType === undefined) {
        this.add(path, "TYPE_CHANGED", "backward", `any value → ${newType}`);
      } else if (newType === undefined) {
        this.add(path, "TYPE_CHANGED", "forward", `${oldType} → any value`);
      } else {
        this.add(path, "TYPE_CHANGED", "both", `${oldType} → ${newType}`);
        return;
      }
    }

    this.compareEnums(oldSchema, newSchema, path);
    this.compareBound(path, lowerBound(oldSchema), lowerBound(newSchema), "lower");
    this.compareBound(path, upperBound(oldSchema), upperBound(newSchema), "upper");
    for (const keyword of ["minLength", "minItems", "minProperties"]) {
      this.compareBound(path, plainBound(oldSchema, keyword), plainBound(newSchema, keyword), "lower");
    }
    for (const keyword of ["maxLength", "maxItems", "maxProperties"]) {
      this.compareBound(path, plainBound(oldSchema, keyword), plainBound(newSchema, keyword), "upper");
    }
    this.compareMultipleOf(oldSchema, newSchema, path);
    for (const keyword of ["pattern", "format"]) this.compareRestriction(oldSchema, newSchema, keyword, path);
    if (oldSchema.uniqueItems !== newSchema.uniqueItems) {
      if (newSchema.uniqueItems === true) this.add(path, "CONSTRAINT_NARROWED", "backward", "items must be unique now");
      else if (oldSchema.uniqueItems === true)
        this.add(path, "CONSTRAINT_WIDENED", "forward", "items no longer need to be unique");
    }
    this.compareObject(oldSchema, newSchema, path);
    this.compareArray(oldSchema, newSchema, path);

    const keywords = new Set([...Object.keys(oldSchema), ...Object.keys(newSchema)]);
    for (const keyword of keywords) {
      if (HANDLED.has(keyword) || isAnnotation(keyword)) continue;
      if (!deepEqual(stripAnnotations(oldSchema[keyword]), stripAnnotations(newSchema[keyword]))) {
        this.add(path, "SCHEMA_CHANGED", "both", `keyword ${keyword} changed`);
      }
    }
  }

  private compareEnums(oldSchema: SchemaObject, newSchema: SchemaObject, path: string) {
    const oldValues = enumOf(oldSchema);
    const newValues = enumOf(newSchema);
    if (!oldValues && !newValues) return;
    if (oldValues && newValues) {
      const newKeys = new Set(newValues.map(canonical));
      const oldKeys = new Set(oldValues.map(canonical));
      const removed = oldValues.filter((value) => !newKeys.has(canonical(value)));
      const added = newValues.filter((value) => !oldKeys.has(canonical(value)));
      if (removed.length > 0) this.add(path, "ENUM_VALUE_REMOVED", "backward", `${list(removed)} no longer accepted`);
      if (added.length > 0) this.add(path, "ENUM_VALUE_ADDED", "forward", `${list(added)} added`);
    } else if (newValues) {
      this.add(path, "CONSTRAINT_NARROWED", "backward", `now restricted to ${list(newValues)}`);
    } else if (oldValues) {
      this.add(path, "CONSTRAINT_WIDENED", "forward", `no longer restricted to ${list(oldValues)}`);
    }
  }

  private compareBound(path: string, oldBound: Bound | undefined, newBound: Bound | undefined, side: Side) {
    if (!oldBound && !newBound) return;
    const detail = `${describeBound(oldBound, side)} → ${describeBound(newBound, side)}`;
    if (!oldBound) return this.add(path, "CONSTRAINT_NARROWED", "backward", detail);
    if (!newBound) return this.add(path, "CONSTRAINT_WIDENED", "forward", detail);
    if (tighter(newBound, oldBound, side)) this.add(path, "CONSTRAINT_NARROWED", "backward", detail);
    else if (tighter(oldBound, newBound, side)) this.add(path, "CONSTRAINT_WIDENED", "forward", detail);
  }

  private compareMultipleOf(oldSchema: SchemaObject, newSchema: SchemaObject, path: string) {
    const oldStep = typeof oldSchema.multipleOf === "number" ? oldSchema.multipleOf : undefined;
    const newStep = typeof newSchema.multipleOf === "number" ? newSchema.multipleOf : undefined;
    if (oldStep === newStep) return;
    const detail = `multipleOf ${oldStep ?? "none"} → ${newStep ?? "none"}`;
    if (oldStep === undefined) this.add(path, "CONSTRAINT_NARROWED", "backward", detail);
    else if (newStep === undefined) this.add(path, "CONSTRAINT_WIDENED", "forward", detail);
    else if (isMultiple(newStep, oldStep)) this.add(path, "CONSTRAINT_NARROWED", "backward", detail);
    else if (isMultiple(oldStep, newStep)) this.add(path, "CONSTRAINT_WIDENED", "forward", detail);
    else this.add(path, "CONSTRAINT_CHANGED", "both", detail);
  }

  /** `pattern` and `format`: added narrows, removed widens, changed cannot be compared. */
  private compareRestriction(oldSchema: SchemaObject, newSchema: SchemaObject, keyword: string, path: string) {
    const oldValue = oldSchema[keyword];
    const newValue = newSchema[keyword];
    if (deepEqual(oldValue, newValue)) return;
    if (oldValue === undefined) {
      this.add(path, "CONSTRAINT_NARROWED", "backward", `${keyword} ${show(newValue)} added`);
    } else if (newValue === undefined) {
      this.add(path, "CONSTRAINT_WIDENED", "forward", `${keyword} ${show(oldValue)} removed`);
    } else {
      this.add(path, "CONSTRAINT_CHANGED", "both", `${keyword} ${show(oldValue)} → ${show(newValue)}`);
    }
  }

  private compareObject(oldSchema: SchemaObject, newSchema: SchemaObject, path: string) {
    const oldProperties = isRecord(oldSchema.properties) ? oldSchema.properties : {};
    const newProperties = isRecord(newSchema.properties) ? newSchema.properties : {};
    const oldRequired = new Set(stringsOf(oldSchema.required));
    const newRequired = new Set(stringsOf(newSchema.required));
    const inOld = (name: string) => Object.hasOwn(oldProperties, name) || oldRequired.has(name);
    const inNew = (name: string) => Object.hasOwn(newProperties, name) || newRequired.has(name);
    const names = [
      ...new Set([...Object.keys(oldProperties), ...oldRequired, ...Object.keys(newProperties), ...newRequired]),
    ];
    const removed = names.filter((name) => inOld(name) && !inNew(name));
    const added = names.filter((name) => !inOld(name) && inNew(name));
    const oldClosed = oldSchema.additionalProperties === false;

    for (const name of names) {
      const field = childPath(path, name);
      if (removed.includes(name)) {
        const renamedTo = added.filter((candidate) =>
          sameSchema(oldProperties[name], newProperties[candidate], this.oldRoot, this.newRoot),
        );
        const hint = renamedTo.length
          ? ` (renamed to ${renamedTo.join(" or ")}? a rename is a removal plus an addition)`
          : "";
        this.add(
          field,
          "FIELD_REMOVED",
          "both",
          `${oldRequired.has(name) ? "required" : "optional"} field removed${hint}`,
        );
      } else if (added.includes(name)) {
        const renamedFrom = removed.filter((candidate) =>
          sameSchema(oldProperties[candidate], newProperties[name], this.oldRoot, this.newRoot),
        );
        const hint = renamedFrom.length ? ` (renamed from ${renamedFrom.join(" or ")}?)` : "";
        if (newRequired.has(name)) this.add(field, "REQUIRED_FIELD_ADDED", "backward", `required field added${hint}`);
        else if (oldClosed) this.add(field, "FIELD_ADDED", "forward", `optional field added to a closed object${hint}`);
        else this.add(field, "FIELD_ADDED", "none", `optional field added${hint}`);
      } else {
        if (!oldRequired.has(name) && newRequired.has(name))
          this.add(field, "FIELD_BECAME_REQUIRED", "backward", "optional → required");
        if (oldRequired.has(name) && !newRequired.has(name))
          this.add(field, "FIELD_BECAME_OPTIONAL", "forward", "required → optional");
        this.compare(oldProperties[name] ?? {}, newProperties[name] ?? {}, field);
      }
    }
    this.compareAdditional(oldSchema.additionalProperties, newSchema.additionalProperties, path);
  }

  private compareAdditional(oldValue: unknown, newValue: unknown, path: string) {
    const shape = (value: unknown) =>
      value === undefined || value === true ? "open" : value === false ? "closed" : "constrained";
    const oldShape = shape(oldValue);
    const newShape = shape(newValue);
    const field = childPath(path, "*");
    if (oldShape === "constrained" && newShape === "constrained") return this.compare(oldValue, newValue, field);
    if (oldShape === newShape) return;
    const order = { closed: 0, constrained: 1, open: 2 } as const;
    const detail = `additional fields ${oldShape} → ${newShape}`;
    if (order[newShape] < order[oldShape]) this.add(field, "CONSTRAINT_NARROWED", "backward", detail);
    else this.add(field, "CONSTRAINT_WIDENED", "forward", detail);
  }

  private compareArray(oldSchema: SchemaObject, newSchema: SchemaObject, path: string) {
    if (oldSchema.items !== undefined || newSchema.items !== undefined) {
      this.compare(oldSchema.items ?? {}, newSchema.items ?? {}, `${path}[]`);
    }
    const oldTuple = Array.isArray(oldSchema.prefixItems) ? oldSchema.prefixItems : [];
    const newTuple = Array.isArray(newSchema.prefixItems) ? newSchema.prefixItems : [];
    if (oldTuple.length !== newTuple.length) {
      this.add(path, "SCHEMA_CHANGED", "both", `tuple of ${oldTuple.length} → ${newTuple.length} items`);
    }
    for (let index = 0; index < Math.min(oldTuple.length, newTuple.length); index++) {
      this.compare(oldTuple[index], newTuple[index], `${path}[${index}]`);
    }
  }
}

type Side = "lower" | "upper";

function refOf(schema: unknown): string | undefined {
  return isRecord(schema) && typeof schema.$ref === "string" ? schema.$ref : undefined;
}

/** Follows local `$ref`s (`#/$defs/…`); siblings of `$ref` are kept (draft 2020-12). */
function resolve(schema: unknown, root: unknown, depth = 0): unknown {
  const ref = refOf(schema);
  if (!ref?.startsWith("#") || depth > 32 || !isRecord(schema)) return schema;
  let target: unknown = root;
  for (const token of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(token).replaceAll("~1", "/").replaceAll("~0", "~");
    target = isRecord(target) ? target[key] : Array.isArray(target) ? target[Number(key)] : undefined;
  }
  if (target === undefined) return schema;
  const { $ref: _ref, ...siblings } = schema;
  const resolved = resolve(target, root, depth + 1);
  return isRecord(resolved) ? { ...resolved, ...siblings } : resolved;
}

function toObject(schema: unknown): SchemaObject {
  if (schema === false) return { not: {} };
  return isRecord(schema) ? schema : {};
}

const isNothing = (schema: SchemaObject) => isRecord(schema.not) && Object.keys(schema.not).length === 0;

/**
 * The alternatives a schema accepts: the branches of `anyOf`/`oneOf` (each with the keywords
 * beside the union), one per type of a `type` list; scalar literals of one type merged into one enum.
 */
function variantsOf(schema: SchemaObject, root: unknown): SchemaObject[] {
  const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  let variants: SchemaObject[];
  if (union) {
    const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
    const base = Object.fromEntries(Object.entries(rest).filter(([keyword]) => !isAnnotation(keyword)));
    variants = union.flatMap((branch) => variantsOf({ ...base, ...toObject(resolve(branch, root)) }, root));
  } else if (Array.isArray(schema.type) && schema.type.length > 1) {
    variants = schema.type.map((type) => ({ ...schema, type }));
  } else {
    variants = [schema];
  }
  return mergeLiterals(variants);
}

function mergeLiterals(variants: SchemaObject[]): SchemaObject[] {
  const literal = (variant: SchemaObject) =>
    enumOf(variant) !== undefined &&
    Object.keys(variant).every((keyword) => ["type", "const", "enum"].includes(keyword) || isAnnotation(keyword));
  const merged = new Map<string, unknown[]>();
  const out: SchemaObject[] = [];
  for (const variant of variants) {
    if (!literal(variant)) {
      out.push(variant);
      continue;
    }
    const type = typeOf(variant) ?? "any";
    const values = merged.get(type);
    if (values) values.push(...(enumOf(variant) ?? []));
    else {
      const collected = [...(enumOf(variant) ?? [])];
      merged.set(type, collected);
      out.push({ type, enum: collected });
    }
  }
  return out.map((variant) =>
    variant.type === "any" ? Object.fromEntries(Object.entries(variant).filter(([key]) => key !== "type")) : variant,
  );
}

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The JSON type a schema requires, declared or implied by its keywords; undefined for any value. */
function typeOf(schema: SchemaObject): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  const values = enumOf(schema);
  if (values && values.length > 0) {
    const types = new Set(values.map(jsonType));
    if (types.size === 1) return [...types][0];
  }
  if (isRecord(schema.properties) || Array.isArray(schema.required)) return "object";
  if (schema.items !== undefined || Array.isArray(schema.prefixItems)) return "array";
  return undefined;
}

/** Types that may change into one another without being different variants. */
const baseType = (schema: SchemaObject) => {
  const type = typeOf(schema);
  return type === "integer" ? "number" : (type ?? "any");
};

function variantKey(schema: SchemaObject): string {
  const type = typeOf(schema) ?? "any";
  if (type !== "object" || !isRecord(schema.properties)) return type;
  const discriminators = Object.entries(schema.properties)
    .filter(([, property]) => isRecord(property) && (enumOf(property)?.length ?? 0) === 1)
    .map(([name, property]) => `${name}=${canonical(enumOf(property as SchemaObject))}`)
    .sort();
  return discriminators.length ? `object:${discriminators.join(",")}` : type;
}

function describeVariant(schema: SchemaObject): string {
  const values = enumOf(schema);
  if (values) return list(values);
  return typeOf(schema) ?? "any value";
}

function enumOf(schema: SchemaObject): unknown[] | undefined {
  if (Object.hasOwn(schema, "const")) return [schema.const];
  return Array.isArray(schema.enum) ? schema.enum : undefined;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function lowerBound(schema: SchemaObject): Bound | undefined {
  return pick([numberBound(schema, "minimum", false), numberBound(schema, "exclusiveMinimum", true)], "lower");
}

function upperBound(schema: SchemaObject): Bound | undefined {
  return pick([numberBound(schema, "maximum", false), numberBound(schema, "exclusiveMaximum", true)], "upper");
}

function numberBound(schema: SchemaObject, keyword: string, exclusive: boolean): Bound | undefined {
  const value = schema[keyword];
  return typeof value === "number" ? { value, exclusive, keyword } : undefined;
}

const plainBound = (schema: SchemaObject, keyword: string) => numberBound(schema, keyword, false);

/** The tighter of several bounds on one side. */
function pick(bounds: (Bound | undefined)[], side: Side): Bound | undefined {
  return bounds.reduce<Bound | undefined>(
    (best, bound) => (!bound ? best : !best || tighter(bound, best, side) ? bound : best),
    undefined,
  );
}

/** Whether bound `a` admits strictly fewer values than bound `b`. */
function tighter(a: Bound, b: Bound, side: Side): boolean {
  if (a.value === b.value) return a.exclusive && !b.exclusive;
  return side === "lower" ? a.value > b.value : a.value < b.value;
}

function describeBound(bound: Bound | undefined, side: Side): string {
  if (!bound) return side === "lower" ? "no lower bound" : "no upper bound";
  return `${bound.keyword} ${bound.value}`;
}

function isMultiple(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function sameSchema(oldSchema: unknown, newSchema: unknown, oldRoot: unknown, newRoot: unknown): boolean {
  if (oldSchema === undefined || newSchema === undefined) return false;
  return deepEqual(stripAnnotations(resolve(oldSchema, oldRoot)), stripAnnotations(resolve(newSchema, newRoot)));
}
