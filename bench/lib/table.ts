import type { Cell, Row } from "./part";
import { round } from "./stats";

export function formatCell(cell: Cell): string {
  if (cell === null || cell === undefined) return "";
  if (typeof cell === "number") {
    if (!Number.isFinite(cell)) return "–";
    return round(cell).toLocaleString("en-US", { maximumFractionDigits: 2 });
  }
  return cell;
}

const NUMERIC = /^[-+]?[\d,.]+(\s?[×%a-zA-Z]+)?$|^–$/;

function columnsOf(rows: readonly Row[]): string[] {
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  return columns;
}

/** A plain-text table, numbers right-aligned, for the terminal. */
export function textTable(rows: readonly Row[]): string {
  if (rows.length === 0) return "(no rows)";
  const columns = columnsOf(rows);
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column] ?? null)));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((line) => (line[index] as string).length)),
  );
  const numeric = columns.map((_, index) =>
    cells.every((line) => (line[index] as string) === "" || NUMERIC.test(line[index] as string)),
  );
  const pad = (text: string, index: number) =>
    numeric[index] ? text.padStart(widths[index] as number) : text.padEnd(widths[index] as number);
  const lines = [
    columns.map(pad).join("  "),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map((line) => line.map(pad).join("  ")),
  ];
  return lines.map((line) => line.trimEnd()).join("\n");
}

/** The same table in Markdown, for the README. */
export function markdownTable(rows: readonly Row[]): string {
  if (rows.length === 0) return "";
  const columns = columnsOf(rows);
  const numeric = columns.map((column) =>
    rows.every((row) => {
      const text = formatCell(row[column] ?? null);
      return text === "" || NUMERIC.test(text);
    }),
  );
  const escapePipes = (text: string) => text.replaceAll("|", "\\|");
  return [
    `| ${columns.map(escapePipes).join(" | ")} |`,
    `| ${numeric.map((right) => (right ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((column) => escapePipes(formatCell(row[column] ?? null))).join(" | ")} |`),
  ].join("\n");
}
