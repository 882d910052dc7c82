import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { command as contractsCommand } from "../../local/src/cli/commands/contracts";
import { command as lintCommand } from "../../local/src/cli/commands/lint";
import { BASELINE_DIR, cli } from "../src";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (line: string) => out.push(line), err: (line: string) => err.push(line) } };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "keel-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("keel contracts", () => {
  it("check passes on the real project", async () => {
    const { out, err, output } = capture();
    expect(await cli.contracts(["check"], output)).toBe(0);
    expect(err).toEqual([]);
    expect(out.at(-1)).toMatch(/^✓ compatible: \d+ messages against \d+ released versions in /);
  });

  it("check exits 1 with one line per violation against a baseline the registry broke", async () => {
    cpSync(BASELINE_DIR, dir, { recursive: true });
    // The released 1.1 had a required field the registry no longer has.
    const file = join(dir, "OrderCreated", "1.1.json");
    const schema = JSON.parse(readFileSync(file, "utf8"));
    schema.properties.data.properties.legacyCode = { type: "string" };
    schema.properties.data.required.push("legacyCode");
    writeFileSync(file, JSON.stringify(schema));

    const { out, err, output } = capture();
    expect(await cli.contracts(["check", "--baseline", dir], output)).toBe(1);
    expect(out).toEqual([
      "OrderCreated 1.1 → data.legacyCode: FIELD_REMOVED (events are FULL-compatible within major 1: removing a field breaks consumers that read it — required field removed)",
    ]);
    expect(err).toEqual([expect.stringMatching(/^✗ 1 violation \(\d+ messages against \d+ released versions in /)]);
  });

  it("release writes a baseline's missing versions, and refuses on a violation", async () => {
    const fresh = capture();
    expect(await cli.contracts(["release", "--baseline", dir], fresh.output)).toBe(0);
    expect(fresh.out).toContain("released OrderCreated 1.1");
    expect(existsSync(join(dir, "OrderCreated", "1.1.json"))).toBe(true);

    const file = join(dir, "CreateOrder", "1.0.json");
    const schema = JSON.parse(readFileSync(file, "utf8"));
    schema.properties.data.properties.items.maxItems = 1000; // the registry narrows it to 100 now
    writeFileSync(file, JSON.stringify(schema));
    const refused = capture();
    expect(await cli.contracts(["release", "--baseline", dir], refused.output)).toBe(1);
    expect(refused.out).toEqual([expect.stringMatching(/^CreateOrder 1\.0 → data\.items: CONSTRAINT_NARROWED \(/)]);
    expect(refused.err).toEqual([expect.stringMatching(/^✗ release refused: 1 violation;/)]);
  });

  it("answers --help, and exits 2 on an unknown action", async () => {
    const help = capture();
    expect(await cli.contracts(["--help"], help.output)).toBe(0);
    expect(help.out[0]).toMatch(/^keel contracts check\|release/);
    expect(await cli.contracts(["publish"], capture().output)).toBe(2);
  });
});

describe("keel lint", () => {
  it("naming passes on the real registry", async () => {
    const { out, output } = capture();
    expect(await cli.lint(["naming"], output)).toBe(0);
    expect(out).toEqual(["✓ naming: no violations"]);
  });

  it("exits 2 on an unknown check", async () => {
    const { err, output } = capture();
    expect(await cli.lint(["spelling"], output)).toBe(2);
    expect(err[0]).toMatch(/unknown check spelling/);
  });
});

describe("the keel commands", () => {
  it("are contracts and lint, with their help", () => {
    expect(contractsCommand.name).toBe("contracts");
    expect(contractsCommand.help).toBe(cli.CONTRACTS_HELP);
    expect(lintCommand.name).toBe("lint");
    expect(lintCommand.help).toBe(cli.LINT_HELP);
  });
});
