import type { ServerResponse } from "node:http";
import { type Recorded, sendJson, standIn } from "./stand-in-server.js";

/**
 * A scripted stand-in of the few GitHub REST endpoints `--github-comment` uses, on 127.0.0.1: list a pull
 * request's comments (100 a page at most, the next page in a Link header unless `link` is off), create one,
 * edit one. It keeps each pull request's comments, records every request, and answers 401 to a wrong token
 * and `refuse` (e.g. 403) to every write when set.
 */
export interface StandInComment {
  id: number;
  body: string;
  html_url: string;
}

export interface GithubStandIn {
  base: string;
  requests: Recorded[];
  comments: Map<number, StandInComment[]>;
  /** When set, every POST and PATCH is answered with this status and GitHub's message. */
  refuse: { status: number; message: string } | undefined;
  /** The next page in a Link header (true, as GitHub does), or only page numbers (false). */
  link: boolean;
  close: () => Promise<void>;
}

const LIST = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/;
const EDIT = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/;

export async function githubStandIn(opts: { repo: string; token: string }): Promise<GithubStandIn> {
  let nextId = 1000;
  const comments = new Map<number, StandInComment[]>();
  const state = { refuse: undefined as GithubStandIn["refuse"], link: true };
  const server = await standIn((req, res, base) => answer(req, res, base));

  function answer(req: Recorded, res: ServerResponse, base: string): void {
    const url = new URL(req.url, base);
    const [, owner, name] = LIST.exec(url.pathname) ?? EDIT.exec(url.pathname) ?? [];
    if (`${owner}/${name}` !== opts.repo) return sendJson(res, 404, { message: "Not Found" });
    if (req.headers.authorization !== `Bearer ${opts.token}`) return sendJson(res, 401, { message: "Bad credentials" });
    if (req.method !== "GET" && state.refuse) return sendJson(res, state.refuse.status, { message: state.refuse.message });
    const list = LIST.exec(url.pathname);
    if (list) {
      const number = Number(list[3]);
      const all = comments.get(number) ?? [];
      if (req.method === "GET") {
        const perPage = Number(url.searchParams.get("per_page") ?? 30);
        const page = Number(url.searchParams.get("page") ?? 1);
        const last = Math.max(1, Math.ceil(all.length / perPage));
        const at = (p: number) => `${base}${url.pathname}?per_page=${perPage}&page=${p}`;
        const link = [page < last ? `<${at(page + 1)}>; rel="next"` : "", `<${at(last)}>; rel="last"`].filter(Boolean).join(", ");
        return sendJson(res, 200, all.slice((page - 1) * perPage, page * perPage), state.link && last > 1 ? { link } : {});
      }
      if (req.method === "POST") {
        const id = nextId++;
        const c = { id, body: (JSON.parse(req.body) as { body: string }).body, html_url: `https://github.test/${opts.repo}/pull/${number}#issuecomment-${id}` };
        comments.set(number, [...all, c]);
        return sendJson(res, 201, c);
      }
    }
    const edit = EDIT.exec(url.pathname);
    if (edit && req.method === "PATCH") {
      const c = [...comments.values()].flat().find((x) => x.id === Number(edit[3]));
      if (!c) return sendJson(res, 404, { message: "Not Found" });
      c.body = (JSON.parse(req.body) as { body: string }).body;
      return sendJson(res, 200, c);
    }
    sendJson(res, 404, { message: "Not Found" });
  }

  return {
    base: server.base,
    requests: server.requests,
    comments,
    get refuse() {
      return state.refuse;
    },
    set refuse(v) {
      state.refuse = v;
    },
    get link() {
      return state.link;
    },
    set link(v) {
      state.link = v;
    },
    close: server.close,
  };
}

/** `n` comments by people, as a busy pull request has before Worldline's. */
export function peopleComments(n: number, firstId = 1): StandInComment[] {
  return Array.from({ length: n }, (_, i) => ({ id: firstId + i, body: `comment ${i + 1} by a person`, html_url: `https://github.test/c/${firstId + i}` }));
}
