/** A self-contained HTML reference of the OpenAPI document (no CDN: works offline). */
export function renderDocsPage(doc: Record<string, unknown>): string {
  const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const paths = doc.paths as Record<
    string,
    Record<
      string,
      {
        summary?: string;
        tags?: string[];
        parameters?: Array<{ name: string; in: string; required?: boolean; description?: string }>;
        requestBody?: unknown;
        responses: Record<string, { description: string }>;
        security?: unknown[];
      }
    >
  >;
  const ops: string[] = [];
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${esc(p.name)}</code> (${esc(p.in)}${p.required ? ', required' : ''}) ${esc(p.description)}</li>`)
        .join('');
      const body = op.requestBody
        ? `<details><summary>Request body schema</summary><pre>${esc(JSON.stringify((op.requestBody as { content: Record<string, { schema: unknown }> }).content['application/json']?.schema, null, 2))}</pre></details>`
        : '';
      const responses = Object.entries(op.responses)
        .map(([s, r]) => `<li><b>${esc(s)}</b> ${esc(r.description)}</li>`)
        .join('');
      ops.push(
        `<section><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3><p>${esc(op.summary)}${op.security ? ' <em>(public)</em>' : ''}</p>${params ? `<h4>Parameters</h4><ul>${params}</ul>` : ''}${body}<h4>Responses</h4><ul>${responses}</ul></section>`,
      );
    }
  }
  const info = doc.info as { title: string; version: string; description: string };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(info.title)} reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}section{border-top:1px solid #ddd;padding:.5rem 0}.m{display:inline-block;min-width:4.5rem;font-size:.8rem;padding:.1rem .4rem;border-radius:4px;background:#eee;text-align:center}.get{background:#dbeafe}.post{background:#dcfce7}.delete{background:#fee2e2}pre{background:#f6f8fa;padding:.5rem;overflow:auto}@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}pre{background:#161b22}.m{color:#111}}</style></head>
<body><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(info.description)} Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>${ops.join('\n')}</body></html>`;
}
