import { open } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../../core/errors.js";

/**
 * The size bound on a ticket file (`maxTicketFileBytes` in worldline.config.json): a file past it is refused
 * with its name before any of it is read, so one huge export cannot take the process's memory or the database.
 */
export const DEFAULT_MAX_TICKET_FILE_BYTES = 1_000_000;

const size = (n: number) => (n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)} MB` : n >= 1_000 ? `${(n / 1_000).toFixed(1)} KB` : `${n} bytes`);

export function tooLarge(file: string, bytes: number, max: number): UserError {
  return new UserError(`ticket file ${file} is ${size(bytes)} (${bytes} bytes), over maxTicketFileBytes (${max}) in worldline.config.json: split it or raise the limit`);
}

/**
 * Reads a repo file of tickets as UTF-8, refusing it when it is larger than `max` bytes: the size is checked
 * on the open file, and at most `max + 1` bytes are ever read (a file that grows meanwhile is refused too).
 */
export async function readTicketFile(repo: string, file: string, max = DEFAULT_MAX_TICKET_FILE_BYTES): Promise<string> {
  const fh = await open(join(repo, file), "r");
  try {
    const { size: bytes } = await fh.stat();
    if (bytes > max) throw tooLarge(file, bytes, max);
    const buf = Buffer.alloc(Math.min(bytes, max) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > max) throw tooLarge(file, got, max);
      if (got === buf.length) throw new UserError(`ticket file ${file} grew while it was read: import it again once it is written`);
    }
    return buf.subarray(0, got).toString("utf8");
  } finally {
    await fh.close();
  }
}
