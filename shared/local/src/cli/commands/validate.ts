import { parseArgs } from "node:util";
import { listServices } from "@keel/serverless";
import { formatProblem, loadPackaged, specLoadMs, validateServices } from "@keel/serverless/validate";
import type { Command } from "../command";

const HELP = `keel validate [--stage <s>] [service...] — check the packaged CloudFormation as AWS would at deploy time

Packages each service offline (or reuses its .serverless output when packaged for the stage after
its last change) and checks every template against AWS's resource specification, its references,
state machine definitions, event patterns, and the wiring between the services. Prints every
problem; exits 1 if there is any.

  --stage <name>   the stage to package (default dev)
  --package        package again even when a fresh output exists
  service...       only these services (the platform is always loaded: the domains are wired to it)`;

const PLATFORM = "platform";

async function validate(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: "string", default: "dev" },
      package: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const all = listServices();
  const unknown = positionals.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown service(s): ${unknown.join(", ")} (known: ${all.join(", ")})`);
  const requested = positionals.length > 0 ? positionals : all;
  const services = requested.includes(PLATFORM) ? requested : [PLATFORM, ...requested];

  const packaged = await loadPackaged(services, {
    stage: values.stage,
    repackage: values.package,
    onProgress: (service, how, ms) => process.stderr.write(`${service}: ${how} (${ms} ms)\n`),
  });
  const problems = validateServices(packaged).filter((problem) => requested.includes(problem.service));
  for (const problem of problems) process.stdout.write(`${formatProblem(problem)}\n`);
  const checked = `${requested.length} service(s) at stage ${values.stage}; AWS resource specification loaded in ${Math.round(specLoadMs() ?? 0)} ms`;
  if (problems.length > 0) {
    process.stdout.write(`${problems.length} problem(s) in ${checked}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`no problems in ${checked}\n`);
}

export const command: Command = {
  name: "validate",
  summary: "check the packaged CloudFormation as AWS would at deploy time",
  help: HELP,
  run: validate,
};
