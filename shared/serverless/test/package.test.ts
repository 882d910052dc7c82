import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listServices, packageService } from "../src";

const fixture = join(__dirname, "fixtures", "esbuild-service");
let outRoot: string;

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "keel-package-"));
});
afterAll(() => rm(outRoot, { recursive: true, force: true }));

describe("packaging at stage local (serverless-localstack active)", () => {
  it("exits on its own with an esbuild-bundled function", async () => {
    const result = await packageService(fixture, {
      stage: "local",
      outDir: join(outRoot, "fixture"),
      timeoutMs: 60_000,
    });
    expect(Object.keys(result.template.Resources)).toEqual(expect.arrayContaining(["PingLambdaFunction"]));
  }, 90_000);

  it.each(listServices())(
    "exits for %s",
    async (service) => {
      const result = await packageService(service, {
        stage: "local",
        outDir: join(outRoot, service),
        timeoutMs: 60_000,
      });
      expect(result.resolved.provider.stage).toBe("local");
    },
    90_000,
  );
});

describe("listServices", () => {
  it("lists the platform first, then the four domains", () => {
    expect(listServices()).toEqual(["platform", "inventory", "notifications", "orders", "payments"]);
  });
});
