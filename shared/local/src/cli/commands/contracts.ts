import { cli } from "@keel/governance";
import type { Command } from "../command";

export const command: Command = {
  name: "contracts",
  summary: "check message contracts against the released baseline, or release new versions",
  help: cli.CONTRACTS_HELP,
  async run(argv) {
    process.exitCode = await cli.contracts(argv);
  },
};
