import type { Machine } from "./machine";

/** One cell of a printed table: text as it is, numbers formatted by the table. */
export type Cell = string | number | null;

/** A row of a part's table, by column name (the first row's keys give the column order). */
export type Row = Record<string, Cell>;

export interface PartContext {
  /** The repository's root folder. */
  root: string;
  /** A scratch folder of this part, inside the repository (bundles resolve the AWS SDK from node_modules). */
  workDir: string;
  machine: Machine;
  /** Replaces the progress line (what the part is doing now). */
  progress(line: string): void;
  /** Prints a line above the progress line (a finding worth seeing while the part runs). */
  log(line: string): void;
  /** `--name value` and `--flag` options of the command line, for the parts' own settings. */
  options: Readonly<Record<string, string | true>>;
}

export interface PartResult {
  /** The printed table. */
  rows: Row[];
  /** Lines printed under the table: targets, what bounds a result, profiles. */
  notes?: string[];
  /** Everything the part measured, written to `bench/results/latest.json`. */
  data: unknown;
}

/**
 * A part of `npm run bench`: a file under `bench/parts/` whose default export is a Part. Parts run
 * in ascending `order` (then by name); `--only a,b` runs some of them.
 */
export interface Part {
  name: string;
  /** One line: what the part measures. */
  title: string;
  order?: number;
  run(context: PartContext): Promise<PartResult>;
}
