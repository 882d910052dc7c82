import { diffSchemas } from "../src/compatibility/schema-diff";

const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties), extra = {}) => ({
  type: "object",
  properties,
  required,
  ...extra,
});
const str = { type: "string" };
const rules = (oldSchema: unknown, newSchema: unknown) =>
  diffSchemas(oldSchema, newSchema, { path: "data" }).map(({ path, rule, breaks }) => ({ path, rule, breaks }));

describe("diffSchemas", () => {
  it("finds nothing between equal schemas, whatever their annotations and key order", () => {
    const before = object({ id: { ...str, description: "the id", "x-classification": "pii" } });
    const after = { required: ["id"], properties: { id: { type: "string", title: "Id" } }, type: "object" };
    expect(diffSchemas(before, after)).toEqual([]);
  });

  it("names removed, added and re-required fields by their path", () => {
    const before = object({ a: str, b: str, c: str }, ["a", "b"]);
    const after = object({ a: str, c: str, d: str, e: str }, ["a", "c", "e"]);
    expect(rules(before, after)).toEqual([
      { path: "data.b", rule: "FIELD_REMOVED", breaks: "both" },
      { path: "data.c", rule: "FIELD_BECAME_REQUIRED", breaks: "backward" },
      { path: "data.d", rule: "FIELD_ADDED", breaks: "none" },
      { path: "data.e", rule: "REQUIRED_FIELD_ADDED", breaks: "backward" },
    ]);
  });

  it("hints at a rename when a removed field and an added one have the same schema", () => {
    const [removed, added] = diffSchemas(object({ amount: { type: "number" } }), object({ total: { type: "number" } }));
    expect(removed).toMatchObject({ path: "amount", rule: "FIELD_REMOVED" });
    expect(removed?.detail).toContain("renamed to total?");
    expect(added).toMatchObject({ path: "total", rule: "REQUIRED_FIELD_ADDED" });
  });

  it("walks into arrays as [] and additional properties as *", () => {
    const line = (qty: unknown) => object({ items: { type: "array", items: object({ qty }) } });
    expect(rules(line({ type: "integer" }), line({ type: "string" }))).toEqual([
      { path: "data.items[].qty", rule: "TYPE_CHANGED", breaks: "both" },
    ]);
    const map = (value: unknown) => ({ type: "object", additionalProperties: value });
    expect(rules(map({ type: "string", maxLength: 5 }), map({ type: "string", maxLength: 3 }))).toEqual([
      { path: "data.*", rule: "CONSTRAINT_NARROWED", breaks: "backward" },
    ]);
  });

  it("tells widening from narrowing: integer ↔ number, bounds, lengths, enums, formats", () => {
    expect(rules({ type: "integer" }, { type: "number" })).toEqual([
      { path: "data", rule: "TYPE_CHANGED", breaks: "forward" },
    ]);
    expect(rules({ type: "number", maximum: 10 }, { type: "number", maximum: 5 })[0]?.rule).toBe("CONSTRAINT_NARROWED");
    expect(rules({ type: "number", minimum: 0 }, { type: "number", exclusiveMinimum: 0 })[0]?.rule).toBe(
      "CONSTRAINT_NARROWED",
    );
    expect(rules({ type: "string", maxLength: 5 }, { type: "string", maxLength: 9 })[0]?.rule).toBe(
      "CONSTRAINT_WIDENED",
    );
    expect(rules({ type: "string" }, { type: "string", format: "email" })[0]?.rule).toBe("CONSTRAINT_NARROWED");
    expect(rules({ type: "string", pattern: "^a" }, { type: "string", pattern: "^b" })[0]?.rule).toBe(
      "CONSTRAINT_CHANGED",
    );
    expect(rules({ type: "string", enum: ["A", "B"] }, { type: "string", enum: ["B", "C"] })).toEqual([
      { path: "data", rule: "ENUM_VALUE_REMOVED", breaks: "backward" },
      { path: "data", rule: "ENUM_VALUE_ADDED", breaks: "forward" },
    ]);
    expect(rules({ type: "string", const: "CREATED" }, { type: "string", enum: ["CREATED", "DONE"] })).toEqual([
      { path: "data", rule: "ENUM_VALUE_ADDED", breaks: "forward" },
    ]);
    expect(rules({ type: "string" }, { type: "string", enum: ["A"] })[0]?.rule).toBe("CONSTRAINT_NARROWED");
  });

  it("compares unions variant by variant: nullable added or removed", () => {
    const nullable = { anyOf: [{ type: "string", minLength: 1 }, { type: "null" }] };
    expect(rules({ type: "string", minLength: 1 }, nullable)).toEqual([
      { path: "data", rule: "TYPE_CHANGED", breaks: "forward" },
    ]);
    expect(rules(nullable, { type: "string", minLength: 2 })).toEqual([
      { path: "data", rule: "CONSTRAINT_NARROWED", breaks: "backward" },
      { path: "data", rule: "TYPE_CHANGED", breaks: "backward" },
    ]);
  });

  it("matches object variants of a union by their discriminator", () => {
    const card = (extra = {}) => object({ kind: { type: "string", const: "card" }, last4: str, ...extra });
    const bank = object({ kind: { type: "string", const: "bank" }, iban: str });
    const changes = rules({ oneOf: [card(), bank] }, { oneOf: [bank, card({ brand: str })] });
    expect(changes).toEqual([{ path: "data.brand", rule: "REQUIRED_FIELD_ADDED", breaks: "backward" }]);
    expect(rules({ oneOf: [card(), bank] }, { oneOf: [card()] })).toEqual([
      { path: "data", rule: "TYPE_CHANGED", breaks: "backward" },
    ]);
  });

  it("follows $refs into $defs, recursive ones included", () => {
    const tree = (leaf: unknown) => ({
      $defs: { node: object({ value: leaf, children: { type: "array", items: { $ref: "#/$defs/node" } } }, ["value"]) },
      $ref: "#/$defs/node",
    });
    expect(rules(tree(str), tree(str))).toEqual([]);
    expect(rules(tree(str), tree({ type: "number" }))).toEqual([
      { path: "data.value", rule: "TYPE_CHANGED", breaks: "both" },
    ]);
  });

  it("treats closing an object as narrowing, and an optional field added to a closed object as forward-breaking", () => {
    expect(rules(object({ a: str }), object({ a: str }, ["a"], { additionalProperties: false }))).toEqual([
      { path: "data.*", rule: "CONSTRAINT_NARROWED", breaks: "backward" },
    ]);
    const closed = (properties: Record<string, unknown>) => object(properties, ["a"], { additionalProperties: false });
    expect(rules(closed({ a: str }), closed({ a: str, b: str }))).toEqual([
      { path: "data.b", rule: "FIELD_ADDED", breaks: "forward" },
    ]);
  });

  it("reports a keyword it does not understand as SCHEMA_CHANGED", () => {
    expect(rules({ type: "object", propertyNames: { maxLength: 3 } }, { type: "object" })).toEqual([
      { path: "data", rule: "SCHEMA_CHANGED", breaks: "both" },
    ]);
  });
});
