/**
 * The template as parsed JSON, typed loosely (it is what is being checked), and the checks of its
 * frame: sections, resource and output attributes, logical ids and CloudFormation's quotas.
 */
import { isObject } from "./intrinsics";
import { knownNames, type Reporter } from "./report";

export interface Template {
  AWSTemplateFormatVersion?: unknown;
  Description?: unknown;
  Parameters?: Record<string, unknown>;
  Mappings?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  [section: string]: unknown;
}

export interface TemplateResource {
  Type: string;
  Properties?: unknown;
  [attribute: string]: unknown;
}

const SECTIONS = [
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
];

const RESOURCE_ATTRIBUTES = [
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "Metadata",
  "CreationPolicy",
  "UpdatePolicy",
];

const OUTPUT_ATTRIBUTES = ["Value", "Description", "Export", "Condition"];
const DELETION_POLICIES = ["Delete", "Retain", "RetainExceptOnCreate", "Snapshot"];

/** CloudFormation's quotas on one template. */
const MAX_RESOURCES = 500;
const MAX_OUTPUTS = 200;
/** A template uploaded through S3 (as the framework deploys) may be at most 1 MB. */
const MAX_TEMPLATE_BYTES = 1_000_000;
const LOGICAL_ID = /^[A-Za-z0-9]{1,255}$/;

/** The resources, each with its Type as a string (malformed ones are reported and left out). */
export function resourcesOf(template: Template): Map<string, TemplateResource> {
  const found = new Map<string, TemplateResource>();
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (isObject(resource) && typeof resource.Type === "string") found.set(logicalId, resource as TemplateResource);
  }
  return found;
}

export function checkFrame(template: Template, report: Reporter): void {
  for (const section of Object.keys(template)) {
    if (!SECTIONS.includes(section))
      report.add("template", section, "", "unknown template section", knownNames(section, SECTIONS));
  }
  const size = Buffer.byteLength(JSON.stringify(template));
  if (size > MAX_TEMPLATE_BYTES)
    report.add("template", "(template)", "", `the template is ${size} bytes`, `at most ${MAX_TEMPLATE_BYTES} bytes`);

  const resources = template.Resources;
  if (!isObject(resources) || Object.keys(resources).length === 0) {
    report.add("template", "Resources", "", "a template needs at least one resource");
    return;
  }
  const count = Object.keys(resources).length;
  if (count > MAX_RESOURCES)
    report.add("template", "Resources", "", `${count} resources`, `at most ${MAX_RESOURCES} per stack`);
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (!LOGICAL_ID.test(logicalId))
      report.add("template", logicalId, "", "invalid logical id", "alphanumeric (A-Za-z0-9), at most 255 characters");
    if (!isObject(resource)) {
      report.add("template", logicalId, "", "a resource must be an object");
      continue;
    }
    if (typeof resource.Type !== "string") report.add("template", logicalId, "Type", "missing or not a string");
    for (const attribute of Object.keys(resource)) {
      if (!RESOURCE_ATTRIBUTES.includes(attribute))
        report.add(
          "template",
          logicalId,
          attribute,
          "unknown resource attribute",
          knownNames(attribute, RESOURCE_ATTRIBUTES),
        );
    }
    for (const policy of ["DeletionPolicy", "UpdateReplacePolicy"]) {
      const value = resource[policy];
      if (typeof value === "string" && !DELETION_POLICIES.includes(value))
        report.add(
          "template",
          logicalId,
          policy,
          `invalid value ${JSON.stringify(value)}`,
          `one of ${DELETION_POLICIES.join(", ")}`,
        );
    }
  }

  const outputs = template.Outputs ?? {};
  if (Object.keys(outputs).length > MAX_OUTPUTS)
    report.add("template", "Outputs", "", `${Object.keys(outputs).length} outputs`, `at most ${MAX_OUTPUTS} per stack`);
  for (const [name, output] of Object.entries(outputs)) {
    const id = `Outputs.${name}`;
    if (!LOGICAL_ID.test(name)) report.add("template", id, "", "invalid output name", "alphanumeric (A-Za-z0-9)");
    if (!isObject(output)) {
      report.add("template", id, "", "an output must be an object with a Value");
      continue;
    }
    if (!("Value" in output)) report.add("template", id, "Value", "missing required Value");
    for (const attribute of Object.keys(output)) {
      if (!OUTPUT_ATTRIBUTES.includes(attribute))
        report.add("template", id, attribute, "unknown output attribute", knownNames(attribute, OUTPUT_ATTRIBUTES));
    }
    if (output.Export !== undefined && !(isObject(output.Export) && "Name" in output.Export))
      report.add("template", id, "Export", "an export needs a Name", "{ Name: … }");
  }
}
