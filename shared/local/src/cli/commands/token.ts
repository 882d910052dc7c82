import { parseArgs } from "node:util";
import type { Command } from "../command";
import { runningEndpoints } from "../endpoints";

const HELP = `keel token --tenant <id> --user <id> — print a bearer token for the running local runtime's JWT routes`;

async function token(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { tenant: { type: "string" }, user: { type: "string" }, help: { type: "boolean", default: false } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  if (!values.tenant || !values.user) throw new Error("both --tenant and --user are required");
  const { http } = runningEndpoints();
  const url = `${http}/_keel/token?tenant=${encodeURIComponent(values.tenant)}&user=${encodeURIComponent(values.user)}`;
  const response = await fetch(url, { method: "POST" });
  if (!response.ok) throw new Error(`the local runtime refused: ${response.status} ${await response.text()}`);
  process.stdout.write(`${await response.text()}\n`);
}

export const command: Command = {
  name: "token",
  summary: "print a bearer token for the local HTTP API",
  help: HELP,
  run: token,
};
