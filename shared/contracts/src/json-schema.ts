import * as z from "zod/mini";
import type { MessageDefinition } from "./define";
import { envelopeSchemaFor } from "./parse";
import { registry } from "./registry";

/** Where generated schemas live, relative to the contracts package. */
export const SCHEMA_DIR = "schemas";
export const SCHEMA_BASE_URI = "https://schemas.keel.example.com";

export const schemaPathOf = (name: string, version: string) => `${name}/${version}.json`;

/**
 * The JSON Schema (draft 2020-12) of one version of a message's whole envelope, generated from the
 * registry's zod schema. It describes what a consumer accepts (`io: "input"`), so unknown fields
 * stay allowed, and carries the registry's routing and ownership under `x-keel`.
 */
export function jsonSchemaOf(message: MessageDefinition, version: string): Record<string, unknown> {
  const schema = envelopeSchemaFor(message, version);
  const definition = message.versions.find((candidate) => candidate.version === version);
  if (!schema || !definition) throw new Error(`${message.name} has no version ${version}`);
  const { $schema, ...body } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as Record<
    string,
    unknown
  >;
  return {
    $schema,
    $id: `${SCHEMA_BASE_URI}/${schemaPathOf(message.name, version)}`,
    title: `${message.name} ${version}`,
    description: message.description,
    "x-keel": {
      kind: message.kind,
      owner: message.owner,
      source: message.source,
      detailType: message.name,
      version,
      current: version === message.version,
      ...(definition.deprecated ? { deprecated: definition.deprecated } : {}),
    },
    ...body,
  };
}

/** Every generated schema, keyed by its path under `schemas/`. */
export function allJsonSchemas(): Map<string, Record<string, unknown>> {
  const schemas = new Map<string, Record<string, unknown>>();
  for (const message of Object.values(registry) as MessageDefinition[]) {
    for (const { version } of message.versions) {
      schemas.set(schemaPathOf(message.name, version), jsonSchemaOf(message, version));
    }
  }
  return schemas;
}

export const serializeSchema = (schema: Record<string, unknown>) => `${JSON.stringify(schema, null, 2)}\n`;

/** Where the registry's message names are written for serverless.yml files to include. */
export const NAMES_FILE = "generated/names.json";

/**
 * The registry's message names by kind, and its EventBridge sources: what a serverless.yml rule
 * that must cover every message (the audit writer's) includes, so it never restates the registry.
 */
export function messageNames(): { commands: string[]; events: string[]; sources: string[] } {
  const all = Object.values(registry) as MessageDefinition[];
  return {
    commands: all
      .filter((message) => message.kind === "command")
      .map((message) => message.name)
      .sort(),
    events: all
      .filter((message) => message.kind === "event")
      .map((message) => message.name)
      .sort(),
    sources: [...new Set(all.map((message) => message.source))].sort(),
  };
}
