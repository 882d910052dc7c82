import { START_HELP, start } from "./start";
import { TOKEN_HELP, token } from "./token";

const HELP = `keel — Keel's local runtime and operations tools

  keel start          run every service on this machine
  keel token          print a bearer token for the local HTTP API

Run \`keel <command> --help\` for a command's options.`;

const commands: Record<string, { run: (argv: string[]) => Promise<void>; help: string }> = {
  start: { run: start, help: START_HELP },
  token: { run: token, help: TOKEN_HELP },
};

async function main() {
  const [name, ...argv] = process.argv.slice(2);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`keel: unknown command "${name}"\n\n${HELP}\n`);
    process.exitCode = 2;
    return;
  }
  await command.run(argv);
}

main().catch((error: unknown) => {
  process.stderr.write(`keel: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
