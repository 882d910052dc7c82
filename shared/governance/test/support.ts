import type { Baseline, Contract, ContractVersion, SchemaObject } from "../src";

/** Deep copies of contracts, so a test mutates its own (upcasters and validators are kept). */
export function copyContracts(contracts: readonly Contract[]): Contract[] {
  return contracts.map((contract) => ({
    ...contract,
    versions: contract.versions.map((version) => ({ ...version, schema: structuredClone(version.schema) })),
  }));
}

export function copyBaseline(baseline: Baseline): Baseline {
  return new Map(
    [...baseline].map(([name, message]) => [
      name,
      {
        name,
        versions: new Map([...message.versions].map(([version, schema]) => [version, structuredClone(schema)])),
        deprecations: structuredClone(message.deprecations),
      },
    ]),
  );
}

export function contractNamed(contracts: readonly Contract[], name: string): Contract {
  const contract = contracts.find((candidate) => candidate.name === name);
  if (!contract) throw new Error(`no contract ${name}`);
  return contract;
}

export function versionOf(contract: Contract, version: string): ContractVersion {
  const found = contract.versions.find((candidate) => candidate.version === version);
  if (!found) throw new Error(`${contract.name} has no version ${version}`);
  return found;
}

/** The `data` subschema of an envelope schema (an object schema with properties and required). */
export function dataOf(schema: SchemaObject): { properties: Record<string, SchemaObject>; required: string[] } {
  const properties = schema.properties as Record<string, SchemaObject>;
  return properties.data as unknown as { properties: Record<string, SchemaObject>; required: string[] };
}

/** A copy of a version under a new version number: its envelope's `schemaVersion` follows. */
export function nextVersion(from: ContractVersion, version: string): ContractVersion {
  const schema = structuredClone(from.schema);
  const meta = (schema.properties as Record<string, SchemaObject>).meta as { properties: Record<string, SchemaObject> };
  meta.properties.schemaVersion = { type: "string", const: version };
  return { ...from, version, schema };
}
