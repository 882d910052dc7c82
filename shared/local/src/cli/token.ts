import { parseArgs } from "node:util";
import { runningEndpoints } from "./endpoints";

export const TOKEN_HELP = `keel token --tenant <id> --user <id> — print a bearer token for the running local runtime's JWT routes`;

export async function token(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { tenant: { type: "string" }, user: { type: "string" }, help: { type: "boolean", default: false } },
  });
  if (values.help) return void process.stdout.write(`${TOKEN_HELP}\n`);
  if (!values.tenant || !values.user) throw new Error("both --tenant and --user are required");
  const { http } = runningEndpoints();
  const url = `${http}/_keel/token?tenant=${encodeURIComponent(values.tenant)}&user=${encodeURIComponent(values.user)}`;
  const response = await fetch(url, { method: "POST" });
  if (!response.ok) throw new Error(`the local runtime refused: ${response.status} ${await response.text()}`);
  process.stdout.write(`${await response.text()}\n`);
}
