import { cli } from "@keel/governance";
import type { Command } from "../command";

export const command: Command = {
  name: "lint",
  summary: "governance rules: naming, ownership, least privilege, hygiene, CODEOWNERS",
  help: cli.LINT_HELP,
  async run(argv) {
    process.exitCode = await cli.lint(argv);
  },
};
