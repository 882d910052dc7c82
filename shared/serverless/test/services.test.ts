import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { domains } from "@keel/contracts";
import { parse } from "yaml";
import { listServices, type PackageResult, packageService, REPO_ROOT, resourcesOfType } from "../src";

interface ComposeFile {
  services: Record<string, { path: string; dependsOn?: string | string[]; params?: Record<string, string> }>;
}

const compose = parse(readFileSync(join(REPO_ROOT, "serverless-compose.yml"), "utf8")) as ComposeFile;
const packaged = new Map<string, PackageResult>();
let outRoot: string;

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "keel-services-"));
  const results = await Promise.all(
    listServices().map((service) => packageService(service, { stage: "dev", outDir: join(outRoot, service) })),
  );
  for (const result of results) packaged.set(result.service, result);
}, 180_000);
afterAll(() => rm(outRoot, { recursive: true, force: true }));

const domainServices = listServices().filter((service) => service !== "platform");
const get = (service: string) => packaged.get(service) as PackageResult;

describe("every service", () => {
  it.each(listServices())("%s shares the provider settings and is tagged with its owners", (service) => {
    const { resolved } = get(service);
    expect(resolved.service).toBe(`keel-${service}`);
    expect(resolved.provider).toMatchObject({ runtime: "nodejs22.x", architecture: "arm64", logRetentionInDays: 30 });
    expect(resolved.provider.environment).toMatchObject({ POWERTOOLS_SERVICE_NAME: service });
    const owners = domains[service as keyof typeof domains];
    expect(resolved.provider.stackTags).toEqual({
      domain: service,
      team: owners.team,
      "cost-centre": owners.costCentre,
      service: `keel-${service}`,
    });
  });

  it.each(listServices())("%s encrypts every table", (service) => {
    for (const table of Object.values(resourcesOfType(get(service).template, "AWS::DynamoDB::Table"))) {
      // With the AWS managed key, or (the message archive) a key of the stack's own.
      expect(table.Properties?.SSESpecification).toEqual(expect.objectContaining({ SSEEnabled: true }));
      const { KMSMasterKeyId, SSEType } = (table.Properties?.SSESpecification ?? {}) as Record<string, unknown>;
      if (KMSMasterKeyId !== undefined) expect(SSEType).toBe("KMS");
    }
  });
});

describe("serverless-compose.yml", () => {
  it("lists every service at its path", () => {
    expect(Object.keys(compose.services).sort()).toEqual(listServices().sort());
    for (const [name, entry] of Object.entries(compose.services)) expect(entry.path).toBe(`services/${name}`);
  });

  it.each(domainServices)("deploys %s after the platform and feeds it platform outputs that exist", (service) => {
    const entry = compose.services[service];
    expect(entry?.dependsOn).toBe("platform");
    const outputs = Object.keys(get("platform").template.Outputs ?? {});
    const declared = Object.keys(
      (get(service).resolved.initialServerlessConfig as { params: { default: object } }).params.default,
    );
    for (const [param, value] of Object.entries(entry?.params ?? {})) {
      const output = /^\$\{platform\.(\w+)\}$/.exec(value)?.[1];
      expect({ param, output: output && outputs.includes(output) }).toEqual({ param, output: true });
      expect(declared).toContain(param);
    }
  });

  it.each(domainServices)("%s's default bus names are the platform's names for the same stage", (service) => {
    const environment = get(service).resolved.provider.environment ?? {};
    const platform = get("platform").template.Resources;
    if (environment.COMMAND_BUS_NAME !== undefined)
      expect(environment.COMMAND_BUS_NAME).toBe(platform.CommandBus?.Properties?.Name);
    expect(environment.EVENT_BUS_NAME).toBe(platform.EventBus?.Properties?.Name);
  });
});

describe("docker-compose.yml (LocalStack)", () => {
  const dockerCompose = parse(readFileSync(join(REPO_ROOT, "docker-compose.yml"), "utf8")) as {
    services: { localstack: { ports: string[] } };
  };

  it.each(listServices())("exposes the edge port %s's stage local deploys to", (service) => {
    const localstack = (get(service).resolved.custom as { localstack: { stages: string[]; edgePort: number } })
      .localstack;
    expect(localstack.stages).toEqual(["local"]);
    expect(dockerCompose.services.localstack.ports).toContain(`127.0.0.1:${localstack.edgePort}:4566`);
  });
});
