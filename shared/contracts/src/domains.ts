import domainsJson from "../domains.json";

/**
 * The bounded contexts of Keel and who owns them. The JSON file is the source: TypeScript reads
 * it here, and every serverless.yml reads it through `${file(...)}` for its resource tags.
 * Every message in the registry names one of these domains as its owner.
 */
export interface DomainOwnership {
  description: string;
  team: string;
  costCentre: string;
}

export const domains: Record<keyof typeof domainsJson, DomainOwnership> = domainsJson;

export type DomainName = keyof typeof domainsJson;
export const domainNames = Object.keys(domains) as DomainName[];

/** EventBridge sources are `<org>.<domain>.<component>`. */
export const ORG = "com.example";
export const sourceOf = (domain: DomainName, component: string) => `${ORG}.${domain}.${component}`;
