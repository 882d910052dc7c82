import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createEvent, defineEvent, type MessageDefinition, registry, toEventBridgeEntry } from "@keel/contracts";
import { validateTemplate } from "@keel/serverless/validate";
import Ajv from "ajv-draft-04";
import * as z from "zod/mini";
import {
  DRAFT_04,
  MAX_SCHEMA_CONTENT,
  MAX_SCHEMA_DESCRIPTION,
  SCHEMA_REGISTRY_ID,
  schemaRegistryResources,
  toDraft04,
} from "../src/schema-registry";

const SCHEMA_ROOT = join(__dirname, "..", "..", "contracts", "schemas");
const generatedFiles = readdirSync(SCHEMA_ROOT, { recursive: true, encoding: "utf8" }).filter((file) =>
  file.endsWith(".json"),
);
const allMessages = Object.values(registry) as MessageDefinition[];
const registryVersions = allMessages.flatMap((message) =>
  message.versions.map(({ version }) => ({ message, version })),
);

// Draft 4 itself, with annotations (`x-…`) and formats left alone, as the Schema Registry stores them.
const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });

type Json = Record<string, unknown>;

/** Every schema object of a (converted) schema, found through the keywords that hold subschemas. */
function* subschemas(schema: unknown): Generator<Json> {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return;
  const node = schema as Json;
  yield node;
  for (const key of ["properties", "patternProperties", "definitions", "dependencies"]) {
    for (const child of Object.values((node[key] as Json | undefined) ?? {})) yield* subschemas(child);
  }
  for (const key of ["anyOf", "allOf", "oneOf", "items"]) {
    for (const child of [node[key]].flat()) yield* subschemas(child);
  }
  for (const key of ["additionalProperties", "additionalItems", "not"]) yield* subschemas(node[key]);
}

describe("toDraft04", () => {
  it("rewrites the 2020-12 keywords draft 4 lacks, and only in schema positions", () => {
    const input = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: "https://schemas.example.com/Thing/1.0.json",
      "x-keel": { kind: "event", const: "kept" },
      type: "object",
      properties: {
        const: { const: "A" },
        price: { type: "number", exclusiveMinimum: 0, maximum: 10 },
        ratio: { type: "number", minimum: 1, exclusiveMinimum: 0, exclusiveMaximum: 5, maximum: 7 },
        nested: { $id: "nested.json", type: "object", properties: { flag: { type: "boolean", const: true } } },
        pair: { type: "array", prefixItems: [{ type: "string" }, { $ref: "#/$defs/amount" }], items: false },
        list: { type: "array", items: { anyOf: [{ const: 1 }, { type: "null" }] } },
        anything: true,
      },
      dependentRequired: { price: ["ratio"] },
      $defs: { amount: { type: "number", exclusiveMaximum: 100 } },
      enum: [{ const: "an enum value, not a schema" }],
    };
    const before = structuredClone(input);
    expect(toDraft04(input)).toEqual({
      $schema: DRAFT_04,
      id: "https://schemas.example.com/Thing/1.0.json",
      "x-keel": { kind: "event", const: "kept" },
      type: "object",
      properties: {
        const: { enum: ["A"] },
        price: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 10 },
        ratio: { type: "number", minimum: 1, maximum: 5, exclusiveMaximum: true },
        nested: { type: "object", properties: { flag: { type: "boolean", enum: [true] } } },
        pair: {
          type: "array",
          items: [{ type: "string" }, { $ref: "#/definitions/amount" }],
          additionalItems: { not: {} },
        },
        list: { type: "array", items: { anyOf: [{ enum: [1] }, { type: "null" }] } },
        anything: {},
      },
      dependencies: { price: ["ratio"] },
      definitions: { amount: { type: "number", maximum: 100, exclusiveMaximum: true } },
      enum: [{ const: "an enum value, not a schema" }],
    });
    expect(input).toEqual(before);
  });

  it("keeps the meaning of exclusive bounds and constants", () => {
    const validate = ajv.compile(
      toDraft04({ type: "object", properties: { n: { type: "number", exclusiveMinimum: 0 }, k: { const: "x" } } }),
    );
    expect([{ n: 0.1, k: "x" }, { n: 0 }, { n: 1, k: "y" }].map((value) => validate(value))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it.each(generatedFiles)("turns the generated %s into valid draft 4 with no 2020-12 keyword left", (file) => {
    const converted = toDraft04(JSON.parse(readFileSync(join(SCHEMA_ROOT, file), "utf8")) as Json);
    expect(converted.$schema).toBe(DRAFT_04);
    expect(ajv.validateSchema(converted)).toBe(true);
    const leftovers = [...subschemas(converted)].flatMap((node) =>
      Object.keys(node).filter(
        (key) =>
          ["const", "$defs", "prefixItems", "$id", "dependentRequired"].includes(key) ||
          (key.startsWith("exclusive") && typeof node[key] !== "boolean"),
      ),
    );
    expect(leftovers).toEqual([]);
  });
});

describe("schemaRegistryResources", () => {
  const resources = schemaRegistryResources({ stage: "dev" });
  const schemas = Object.entries(resources).filter(([, resource]) => resource.Type === "AWS::EventSchemas::Schema");
  const property = (resource: { Properties: Json }, key: string) => resource.Properties[key];

  it("has the stage's registry", () => {
    expect(resources[SCHEMA_REGISTRY_ID]).toMatchObject({
      Type: "AWS::EventSchemas::Registry",
      Properties: {
        RegistryName: "keel-dev-messages",
        Tags: expect.arrayContaining([{ Key: "team", Value: "platform-team" }]),
      },
    });
    expect(schemaRegistryResources({ stage: "prod" })[SCHEMA_REGISTRY_ID]?.Properties.RegistryName).toBe(
      "keel-prod-messages",
    );
  });

  it("has one JSONSchemaDraft4 schema per registry version, named <source>@<DetailType>", () => {
    expect(registryVersions.length).toBeGreaterThan(allMessages.length); // some message has several versions
    expect(schemas).toHaveLength(registryVersions.length);
    const names = schemas.map(([, resource]) => property(resource, "SchemaName"));
    expect(new Set(names).size).toBe(names.length);
    const expected = registryVersions.map(({ message, version }) =>
      version === message.version
        ? `${message.source}@${message.name}`
        : `${message.source}@${message.name}-v${version}`,
    );
    expect([...names].sort()).toEqual([...expected].sort());
    for (const [, resource] of schemas) {
      expect(resource.Properties).toMatchObject({
        Type: "JSONSchemaDraft4",
        RegistryName: { "Fn::GetAtt": [SCHEMA_REGISTRY_ID, "RegistryName"] },
      });
      expect(String(property(resource, "Description")).length).toBeLessThanOrEqual(MAX_SCHEMA_DESCRIPTION);
    }
  });

  it.each(registryVersions.map(({ message, version }) => [message.name, version, message] as const))(
    "publishes %s %s as valid draft 4 within the size limit, with the envelope as detail",
    (name, version, message) => {
      const schema = schemas.find(
        ([, resource]) =>
          (property(resource, "Tags") as { Key: string; Value: string }[]).some(
            (tag) => tag.Key === "version" && tag.Value === version,
          ) &&
          (property(resource, "Tags") as { Key: string; Value: string }[]).some(
            (tag) => tag.Key === "message" && tag.Value === name,
          ),
      );
      if (!schema) throw new Error(`no schema for ${name} ${version}`);
      const content = String(property(schema[1], "Content"));
      expect(content.length).toBeLessThanOrEqual(MAX_SCHEMA_CONTENT);
      const parsed = JSON.parse(content) as Json & { properties: Json };
      expect(parsed.$schema).toBe(DRAFT_04);
      expect(ajv.validateSchema(parsed)).toBe(true);
      expect(parsed["x-amazon-events-source"]).toBe(message.source);
      expect(parsed["x-amazon-events-detail-type"]).toBe(name);
      const generated = JSON.parse(readFileSync(join(SCHEMA_ROOT, name, `${version}.json`), "utf8")) as Json;
      const { $schema, id, title, description, "x-keel": keel, ...detail } = toDraft04(generated);
      expect(parsed.properties.detail).toEqual(detail);
    },
  );

  it("accepts a real event and rejects one that breaks the contract", () => {
    const [, resource] =
      schemas.find(
        ([, candidate]) => property(candidate, "SchemaName") === "com.example.orders.workflow@OrderCreated",
      ) ?? [];
    if (!resource) throw new Error("no schema for OrderCreated");
    const validate = ajv.compile(JSON.parse(String(property(resource, "Content"))) as Json);
    const envelope = createEvent("OrderCreated", {
      orderId: "ORD-1",
      status: "CREATED",
      totalAmount: 10,
      currency: "EUR",
      contact: { email: "ada@example.com" },
    });
    const entry = toEventBridgeEntry(envelope, "keel-dev-events");
    const event = { source: entry.Source, "detail-type": entry.DetailType, detail: JSON.parse(entry.Detail) as Json };
    expect(validate(event)).toBe(true);
    const broken = [
      { ...event, "detail-type": "OrderRejected" },
      { ...event, detail: { ...event.detail, meta: { ...(event.detail.meta as Json), schemaVersion: "9.9" } } },
      { ...event, detail: { ...event.detail, data: { ...(event.detail.data as Json), totalAmount: -1 } } },
    ];
    expect(broken.map((candidate) => validate(candidate))).toEqual([false, false, false]);
  });

  it("passes the template checks AWS's resource specification allows", () => {
    expect(validateTemplate("platform", { Resources: resources } as never)).toEqual([]);
  });

  it("refuses a schema over the Schema Registry's limit, and a stage that cannot name a registry", () => {
    const huge = defineEvent({
      name: "HugeHappened",
      owner: "orders",
      source: "com.example.orders.api",
      description: "A test message with a very large schema.",
      flows: ["choreography"],
      versions: [
        {
          version: "1.0",
          schema: z.object({ kind: z.enum(Array.from({ length: 4000 }, (_, i) => `value-${i}-${"x".repeat(20)}`)) }),
        },
      ],
    });
    expect(() => schemaRegistryResources({ stage: "dev", messages: [huge] })).toThrow(
      /HugeHappened 1.0 has \d+ characters/,
    );
    expect(() => schemaRegistryResources({ stage: "dev x" })).toThrow(/invalid stage/);
  });
});

describe("eventbridge-schemas.cjs, as serverless.yml's file variable calls it", () => {
  it("returns the resources for the stage the framework resolves", () => {
    // In a plain Node process, as the framework loads it (Jest's module registry is not Node's).
    const script = `
      const asked = [];
      require(${JSON.stringify(join(__dirname, "..", "..", "contracts", "eventbridge-schemas.cjs"))})({
        resolveVariable: async (name) => (asked.push(name), "staging"),
      }).then((result) => process.stdout.write(JSON.stringify({ asked, result })));`;
    const output = execFileSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
    const { asked, result } = JSON.parse(output) as { asked: string[]; result: unknown };
    expect(asked).toEqual(["sls:stage"]);
    expect(result).toEqual({ Resources: schemaRegistryResources({ stage: "staging" }) });
  });
});
