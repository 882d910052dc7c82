import { dirname, join } from "node:path";
import { formatMermaid, formatSince, NOTHING_FOUND } from "./format";
import type { Trace } from "./trace";

/** Where the trace page loads Mermaid from: served by the page's own server, never a CDN. */
export const MERMAID_ASSET_PATH = "/_keel/assets/mermaid.min.js";

/** The browser build of Mermaid (one self-contained script) in node_modules. */
export function mermaidScriptFile(): string {
  return join(dirname(require.resolve("mermaid/package.json")), "dist", "mermaid.min.js");
}

const html = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[character] ?? character,
  );

const STYLE = `
  body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d1d1f; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .meta { color: #555; margin-bottom: 16px; }
  table { border-collapse: collapse; width: 100%; margin-bottom: 24px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
  th { background: #f5f5f7; }
  td.time, td.since { font-family: ui-monospace, monospace; white-space: nowrap; }
  tr.failed td { background: #fff1f0; }
  tr.failed td.outcome { color: #b3261e; font-weight: 600; }
  .error { color: #b3261e; }
  #diagram { overflow-x: auto; }
  #diagram-error { color: #b3261e; }
`;

/** The trace page: the timeline as a table and the sequence diagram, rendered in the browser by Mermaid. */
export function tracePage(result: Trace): string {
  const title = `Trace of ${result.query}`;
  if (!result.found) {
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title><style>${STYLE}</style></head>
<body data-found="false"><h1>${html(title)}</h1><p id="nothing">${html(NOTHING_FOUND(result.query))}</p></body></html>`;
  }
  const rows = result.entries
    .map((entry) => {
      const failed = Boolean(entry.error) || entry.outcome.startsWith("failed") || entry.kind === "dead-letter";
      const detail = [
        entry.durationMs !== undefined && entry.kind !== "command" && entry.kind !== "event"
          ? `in ${entry.durationMs} ms`
          : "",
        entry.error
          ? `<span class="error">${html(entry.error.type)}${entry.error.message ? `: ${html(entry.error.message)}` : ""}</span>`
          : "",
        entry.deadLetterId ? `dead letter <code>${html(entry.deadLetterId)}</code>` : "",
        entry.messageId && !entry.deadLetterId ? `<code>${html(entry.messageId)}</code>` : "",
      ]
        .filter(Boolean)
        .join(" ");
      return `<tr class="${failed ? "failed" : "ok"}" data-kind="${html(entry.kind)}">
  <td class="time">${html(entry.at)}</td><td class="since">${html(formatSince(entry.sinceMs))}</td>
  <td class="service">${html(entry.service)}</td><td class="what">${html(entry.what)}</td>
  <td class="outcome">${html(entry.outcome)}</td><td class="detail">${detail}</td></tr>`;
    })
    .join("\n");
  const meta = [
    result.correlationIds.length > 0 ? `conversation ${result.correlationIds.join(", ")}` : "",
    result.subjects.length > 0 ? `order ${result.subjects.join(", ")}` : "",
    result.tenants.length > 0 ? `tenant ${result.tenants.join(", ")}` : "",
    `${result.entries.length} lines`,
  ]
    .filter(Boolean)
    .map(html)
    .join(" · ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body data-found="true" data-rendered="pending">
<h1>${html(title)}</h1>
<div class="meta">${meta}</div>
<table id="timeline">
<thead><tr><th>time</th><th>since</th><th>service</th><th>message or step</th><th>outcome</th><th></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<h2>Conversation</h2>
<div id="diagram"><pre class="mermaid">${html(formatMermaid(result))}</pre></div>
<p id="diagram-error"></p>
<script src="${MERMAID_ASSET_PATH}"></script>
<script>
  (async () => {
    try {
      mermaid.initialize({ startOnLoad: false, securityLevel: "strict", sequence: { useMaxWidth: false } });
      await mermaid.run({ querySelector: "#diagram .mermaid" });
      document.body.dataset.rendered = "true";
    } catch (error) {
      document.getElementById("diagram-error").textContent = "The diagram could not be drawn: " + error;
      document.body.dataset.rendered = "error";
    }
  })();
</script>
</body>
</html>
`;
}
