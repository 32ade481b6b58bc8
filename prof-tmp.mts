import { ShapeCache } from "/work/main/servers/git-history/shapes.ts";
import { traceLines } from "/work/main/servers/git-history/trace.ts";
const [dir, path, line] = process.argv.slice(2);
const shapes = new ShapeCache(dir!);
const t = await traceLines(shapes, dir!, path!, { start: Number(line), end: Number(line) });
console.log(JSON.stringify(t, null, 1));
shapes.close();
