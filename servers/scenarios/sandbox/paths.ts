import { fileURLToPath } from "node:url";

/** Worldline's own install root: the pure ports of Node's built-ins and the tsx loader live under it. */
export const WORLDLINE_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
