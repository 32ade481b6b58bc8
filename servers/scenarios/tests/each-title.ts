/**
 * A `.each` case's title as vitest and jest print it: printf placeholders (`%s %d %i %f %j %o %O %#`, `%%`) take
 * the row's values in order when the row is an array (or is the single value), `$name` and `$a.b` read an
 * object row's keys, `$#` is the row index. The isolate's test API formats titles the same way, so a case
 * found here is the case that runs there.
 */
export function formatEachTitle(template: string, row: unknown, index: number, forForm = false): string {
  // `.for` hands the row over whole; `.each` spreads an array row into the arguments.
  const args: unknown[] = Array.isArray(row) && !forForm ? row : [row];
  let i = 0;
  let out = template.replace(/%([sdifjoO#%])/g, (m, c: string) => {
    if (c === "%") return "%";
    if (c === "#") return String(index);
    if (i >= args.length) return m;
    const v = args[i++];
    if (c === "d" || c === "i") return String(c === "i" ? Math.trunc(Number(v)) : Number(v));
    if (c === "f") return String(Number(v));
    if (c === "j") return JSON.stringify(v) ?? "undefined";
    if (c === "s") return typeof v === "string" ? v : display(v);
    return display(v);
  });
  if (row !== null && typeof row === "object" && !Array.isArray(row)) {
    out = out.replace(/\$([\w$]+(?:\.[\w$]+)*)/g, (m, path: string) => {
      if (path === "#") return String(index);
      let v: unknown = row;
      for (const k of path.split(".")) {
        if (v === null || typeof v !== "object" || !(k in (v as object))) return m;
        v = (v as Record<string, unknown>)[k];
      }
      return typeof v === "string" ? v : display(v);
    });
  }
  return out.replace(/\$#/g, String(index));
}

/** How a value shows in a title: strings quoted inside structures, as the runners' formatter does. */
function display(v: unknown, nested = false): string {
  if (typeof v === "string") return nested ? `'${v}'` : v;
  if (v === undefined || v === null || typeof v !== "object") return Object.is(v, -0) ? "-0" : String(v);
  if (Array.isArray(v)) return `[ ${v.map((x) => display(x, true)).join(", ")} ]`.replace("[  ]", "[]");
  const entries = Object.entries(v as Record<string, unknown>);
  return entries.length ? `{ ${entries.map(([k, x]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${display(x, true)}`).join(", ")} }` : "{}";
}
