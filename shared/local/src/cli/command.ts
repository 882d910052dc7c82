/** A `keel` command: one file under `cli/commands/` exporting `command`. */
export interface Command {
  name: string;
  /** One line for `keel --help`. */
  summary: string;
  /** The full text for `keel <name> --help`. */
  help: string;
  run(argv: string[]): Promise<void>;
}
