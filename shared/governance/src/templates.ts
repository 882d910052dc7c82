import { type CfnResource, type CfnTemplate, ResourceIndex, resolve } from "@keel/local";
import type { PackagedService } from "./ownership";

/**
 * The packaged templates, with intrinsic functions resolved as a deployment would resolve them
 * (account 123456789012, the service's stack name): the governance rules over IAM and hygiene
 * read ARNs, not `Fn::GetAtt`s.
 */

export const CHECK_ACCOUNT = "123456789012";
export const CHECK_REGION = "us-east-1";

export interface ResolvedResource {
  service: string;
  logicalId: string;
  type: string;
  /** The raw properties, as packaged. */
  raw: Record<string, unknown>;
  /** The properties with intrinsics resolved, or undefined where one cannot be (reported once). */
  properties: Record<string, unknown>;
}

export interface ResolvedStack {
  service: string;
  stage: string;
  template: CfnTemplate;
  resolved: PackagedService["resolved"];
  resources: ResolvedResource[];
  index: ResourceIndex;
}

/** The service's packaged template read into resolved resources. */
export function resolveStack(service: PackagedService, stage = "dev"): ResolvedStack {
  const template = service.template as unknown as CfnTemplate;
  const stackName = `${String((service.resolved as { service?: string }).service ?? `keel-${service.service}`)}-${stage}`;
  const index = new ResourceIndex(
    template,
    { region: CHECK_REGION, accountId: CHECK_ACCOUNT, partition: "aws", stackName },
    service.service,
  );
  const resources = Object.entries(template.Resources).map(([logicalId, resource]: [string, CfnResource]) => {
    const raw = resource.Properties ?? {};
    let properties: Record<string, unknown>;
    try {
      properties = resolve(raw, index, `${service.service}/${logicalId}`) as Record<string, unknown>;
    } catch {
      properties = raw;
    }
    return { service: service.service, logicalId, type: resource.Type, raw, properties };
  });
  return { service: service.service, stage, template, resolved: service.resolved, resources, index };
}

export const ofType = (stack: ResolvedStack, type: string) =>
  stack.resources.filter((resource) => resource.type === type);

/** The logical id a `{ "Fn::GetAtt": [id, attr] }` or `{ Ref: id }` names, if it is one. */
export function referencedId(value: unknown): string | undefined {
  if (!value || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const attribute = record["Fn::GetAtt"];
  if (Array.isArray(attribute)) return String(attribute[0]);
  if (typeof attribute === "string") return attribute.split(".")[0];
  if (typeof record.Ref === "string") return record.Ref;
  return undefined;
}
