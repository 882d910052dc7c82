/**
 * AWS's CloudFormation resource specification, as `@aws-cdk/aws-service-spec` ships it (a database
 * built from the CloudFormation registry schemas), loaded once per process.
 */
import { loadAwsServiceSpecSync } from "@aws-cdk/aws-service-spec";
import type {
  Attribute,
  DefinitionReference,
  PropertyType,
  Resource,
  SpecDatabase,
  TypeDefinition,
} from "@aws-cdk/service-spec-types";

export type { Attribute, PropertyType, Resource, TypeDefinition };

let database: SpecDatabase | undefined;
let loadMs: number | undefined;
const resources = new Map<string, Resource | undefined>();

export function specDatabase(): SpecDatabase {
  if (!database) {
    const started = performance.now();
    database = loadAwsServiceSpecSync();
    loadMs = performance.now() - started;
  }
  return database;
}

/** How long loading the database took in this process (undefined before the first use). */
export function specLoadMs(): number | undefined {
  return loadMs;
}

/** The resource type's definition, or undefined when AWS has no such type. */
export function resourceSpec(cloudFormationType: string): Resource | undefined {
  if (!resources.has(cloudFormationType)) {
    const found = specDatabase().lookup("resource", "cloudFormationType", "equals", cloudFormationType);
    resources.set(cloudFormationType, found[0]);
  }
  return resources.get(cloudFormationType);
}

export function typeDefinition(reference: DefinitionReference): TypeDefinition {
  return specDatabase().get("typeDefinition", reference.reference);
}

/** Every resource type AWS knows, for suggestions. */
export function resourceTypeNames(): string[] {
  return specDatabase()
    .all("resource")
    .map((resource) => resource.cloudFormationType);
}

/** How a property type reads in a report: `string`, `list of Tag`, `Code`, `string or JSON`. */
export function describeType(type: PropertyType): string {
  switch (type.type) {
    case "ref":
      return typeDefinition(type).name;
    case "array":
      return `list of ${describeType(type.element)}`;
    case "map":
      return `map of ${describeType(type.element)}`;
    case "union":
      return type.types.map(describeType).join(" or ");
    case "tag":
      return "Tag ({ Key, Value })";
    case "json":
      return "JSON";
    default:
      return type.type;
  }
}
