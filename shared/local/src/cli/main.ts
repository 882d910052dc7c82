import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "./command";

/** Every file under commands/ is a command: adding one needs no change here. */
function loadCommands(): Map<string, Command> {
  const dir = join(__dirname, "commands");
  const commands = new Map<string, Command>();
  for (const file of readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .sort()) {
    const { command } = require(join(dir, file)) as { command: Command };
    commands.set(command.name, command);
  }
  return commands;
}

async function main() {
  const commands = loadCommands();
  const help = [
    "keel — Keel's local runtime and operations tools",
    "",
    ...[...commands.values()].map((command) => `  keel ${command.name.padEnd(16)} ${command.summary}`),
    "",
    "Run `keel <command> --help` for a command's options.",
  ].join("\n");
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${help}\n`);
    return;
  }
  const command = commands.get(name);
  if (!command) {
    process.stderr.write(`keel: unknown command "${name}"\n\n${help}\n`);
    process.exitCode = 2;
    return;
  }
  await command.run(argv);
}

main().catch((error: unknown) => {
  process.stderr.write(`keel: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
