import { type DomainName, domains, type MessageDefinition, registry } from "@keel/contracts";
import { jsonSchemaOf } from "@keel/contracts/json-schema";

/**
 * The registry published to the EventBridge Schema Registry: one registry per stage, one schema
 * per message version, in the JSON Schema draft 4 the Schema Registry accepts.
 */

type JsonObject = Record<string, unknown>;

export const DRAFT_04 = "http://json-schema.org/draft-04/schema#";
/** CreateSchema accepts content of 1 to 100,000 characters, and descriptions of up to 256. */
export const MAX_SCHEMA_CONTENT = 100_000;
export const MAX_SCHEMA_DESCRIPTION = 256;
export const SCHEMA_REGISTRY_ID = "MessageSchemaRegistry";

const isRecord = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Keywords whose value is a map of subschemas, a list of them, or one subschema. */
const SCHEMA_MAPS = new Set(["properties", "patternProperties"]);
const SCHEMA_LISTS = new Set(["anyOf", "allOf", "oneOf"]);
const SCHEMA_VALUES = new Set(["additionalProperties", "additionalItems", "not"]);
/** 2019-09/2020-12 core keywords draft 4 has no counterpart for. */
const DROPPED = new Set([
  "$anchor",
  "$dynamicAnchor",
  "$dynamicRef",
  "$recursiveAnchor",
  "$recursiveRef",
  "$vocabulary",
]);

const mapValues = (value: unknown, fn: (schema: unknown) => unknown) =>
  isRecord(value) ? Object.fromEntries(Object.entries(value).map(([key, schema]) => [key, fn(schema)])) : value;

/**
 * A JSON Schema (draft 2020-12, as the registry generates it) rewritten in draft 4: the draft 4
 * `$schema`; the root `$id` as `id` (nested ones dropped: in draft 4 they would change the base
 * URI); `const` as a one-value `enum`; numeric `exclusiveMinimum`/`exclusiveMaximum` as the
 * boolean modifier of `minimum`/`maximum`; `$defs` as `definitions` (and `$ref`s into them);
 * `prefixItems`/`items` as the array form of `items` and `additionalItems`; `dependentRequired`
 * and `dependentSchemas` as `dependencies`; boolean subschemas as `{}` and `{ not: {} }`.
 * Keywords draft 4 does not know and that constrain nothing (annotations, `x-…`) are kept.
 */
export function toDraft04(schema: JsonObject): JsonObject {
  const converted = convert(schema, true) as JsonObject;
  return { $schema: DRAFT_04, ...converted };
}

function convert(node: unknown, root = false): unknown {
  if (node === true) return {};
  if (node === false) return { not: {} };
  if (!isRecord(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$schema" || DROPPED.has(key)) continue;
    if (key === "$id") {
      if (root) out.id = value;
    } else if (key === "$ref") {
      out.$ref = typeof value === "string" ? value.replace(/^#\/\$defs\//, "#/definitions/") : value;
    } else if (key === "$defs" || key === "definitions") {
      out.definitions = {
        ...(out.definitions as JsonObject | undefined),
        ...(mapValues(value, convert) as JsonObject),
      };
    } else if (key === "dependentRequired" || key === "dependentSchemas" || key === "dependencies") {
      const dependencies = mapValues(value, (entry) => (Array.isArray(entry) ? entry : convert(entry)));
      out.dependencies = { ...(out.dependencies as JsonObject | undefined), ...(dependencies as JsonObject) };
    } else if (
      ["const", "exclusiveMinimum", "exclusiveMaximum", "minimum", "maximum", "items", "prefixItems"].includes(key)
    ) {
      // rewritten below, from the node as a whole
    } else if (SCHEMA_MAPS.has(key)) {
      out[key] = mapValues(value, convert);
    } else if (SCHEMA_LISTS.has(key)) {
      out[key] = Array.isArray(value) ? value.map((schema) => convert(schema)) : value;
    } else if (SCHEMA_VALUES.has(key)) {
      out[key] = convert(value);
    } else {
      out[key] = value;
    }
  }
  if ("const" in node) out.enum = [node.const];
  bound(node, out, "minimum", "exclusiveMinimum", (a, b) => a > b);
  bound(node, out, "maximum", "exclusiveMaximum", (a, b) => a < b);
  if (Array.isArray(node.prefixItems)) {
    out.items = node.prefixItems.map((schema) => convert(schema));
    if (node.items !== undefined) out.additionalItems = convert(node.items);
  } else if (node.items !== undefined) {
    out.items = Array.isArray(node.items) ? node.items.map((schema) => convert(schema)) : convert(node.items);
  }
  return out;
}

/** Draft 4 has one bound per side, made exclusive by a boolean; 2020-12 has two numeric ones. */
function bound(
  node: JsonObject,
  out: JsonObject,
  inclusiveKey: "minimum" | "maximum",
  exclusiveKey: "exclusiveMinimum" | "exclusiveMaximum",
  stricter: (a: number, b: number) => boolean,
) {
  const inclusive = node[inclusiveKey];
  const exclusive = node[exclusiveKey];
  if (typeof exclusive === "number" && (typeof inclusive !== "number" || !stricter(inclusive, exclusive))) {
    out[inclusiveKey] = exclusive;
    out[exclusiveKey] = true;
  } else {
    if (inclusive !== undefined) out[inclusiveKey] = inclusive;
    if (typeof exclusive === "boolean") out[exclusiveKey] = exclusive;
  }
}

/** EventBridge names a schema `<source>@<detail-type>` (detail-type without spaces), as discovery does. */
export const schemaNameOf = (source: string, detailType: string) => `${source}@${detailType.replace(/\s+/g, "")}`;

/**
 * The name of one version's schema: the current version takes the conventional name (so tools that
 * look schemas up by source and detail-type find it); earlier versions, still accepted, get their
 * version as a suffix, as every schema in a registry needs its own name.
 */
export function versionedSchemaNameOf(message: MessageDefinition, version: string): string {
  const name = schemaNameOf(message.source, message.name);
  return version === message.version ? name : `${name}-v${version}`;
}

/** `MessageSchemaOrderCreatedV1Dot1`: a CloudFormation logical id is alphanumeric. */
export const schemaLogicalIdOf = (name: string, version: string) =>
  `MessageSchema${name}V${version.replace(/[^A-Za-z0-9]+/g, "Dot")}`;

/**
 * The Schema Registry content of one message version: the whole EventBridge event, as the
 * registry's own schemas describe it (so the console's rule builder and code bindings see
 * `source`, `detail-type` and `detail`), with the message's envelope schema as its `detail`.
 */
export function eventSchemaOf(message: MessageDefinition, version: string): JsonObject {
  const { id, title, description, "x-keel": keel, ...envelope } = toDraft04(jsonSchemaOf(message, version));
  delete envelope.$schema;
  return {
    $schema: DRAFT_04,
    ...(id !== undefined ? { id } : {}),
    title,
    description,
    "x-amazon-events-source": message.source,
    "x-amazon-events-detail-type": message.name,
    "x-keel": keel,
    type: "object",
    properties: {
      version: { type: "string" },
      id: { type: "string" },
      "detail-type": { type: "string", enum: [message.name] },
      source: { type: "string", enum: [message.source] },
      account: { type: "string" },
      time: { type: "string", format: "date-time" },
      region: { type: "string" },
      resources: { type: "array", items: { type: "string" } },
      detail: envelope,
    },
    required: ["detail-type", "source", "detail"],
  };
}

interface CfnResource {
  Type: string;
  Properties: JsonObject;
}

const tagsOf = (entries: Record<string, string>) => Object.entries(entries).map(([Key, Value]) => ({ Key, Value }));

const ownerTags = (domain: DomainName) => ({
  domain,
  team: domains[domain].team,
  "cost-centre": domains[domain].costCentre,
});

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface SchemaRegistryOptions {
  stage: string;
  /** Defaults to every message of the registry. */
  messages?: readonly MessageDefinition[];
}

/**
 * CloudFormation `Resources`: the stage's schema registry (`keel-<stage>-messages`, owned by the
 * platform) and one `JSONSchemaDraft4` schema per version of every message.
 */
export function schemaRegistryResources(options: SchemaRegistryOptions): Record<string, CfnResource> {
  if (!/^[A-Za-z0-9-]+$/.test(options.stage)) throw new Error(`invalid stage name: ${JSON.stringify(options.stage)}`);
  const messages = options.messages ?? (Object.values(registry) as MessageDefinition[]);
  const resources: Record<string, CfnResource> = {
    [SCHEMA_REGISTRY_ID]: {
      Type: "AWS::EventSchemas::Registry",
      Properties: {
        RegistryName: `keel-${options.stage}-messages`,
        Description: "Every version of every Keel command and event, generated from the message registry",
        Tags: tagsOf(ownerTags("platform")),
      },
    },
  };
  for (const message of messages) {
    for (const { version, deprecated } of message.versions) {
      const id = schemaLogicalIdOf(message.name, version);
      if (resources[id]) throw new Error(`two schemas would have the logical id ${id}`);
      const content = JSON.stringify(eventSchemaOf(message, version));
      if (content.length > MAX_SCHEMA_CONTENT) {
        throw new Error(
          `the schema of ${message.name} ${version} has ${content.length} characters; the Schema Registry accepts at most ${MAX_SCHEMA_CONTENT}`,
        );
      }
      const status =
        version === message.version ? "current" : deprecated ? `accepted until ${deprecated.acceptedUntil}` : "earlier";
      resources[id] = {
        Type: "AWS::EventSchemas::Schema",
        Properties: {
          RegistryName: { "Fn::GetAtt": [SCHEMA_REGISTRY_ID, "RegistryName"] },
          SchemaName: versionedSchemaNameOf(message, version),
          Type: "JSONSchemaDraft4",
          Content: content,
          Description: clip(
            `${message.kind} ${message.name} ${version} (${status}): ${message.description}`,
            MAX_SCHEMA_DESCRIPTION,
          ),
          // The platform's resource (its stack, its bill); the message's owner in tags of its own.
          Tags: tagsOf({
            ...ownerTags("platform"),
            "message-owner": message.owner,
            "message-team": domains[message.owner].team,
            message: message.name,
            kind: message.kind,
            version,
          }),
        },
      };
    }
  }
  return resources;
}
