/**
 * An HTTP proxy in front of a real PennyPost API that lies: it serves what the API serves, changed by
 * a `Lie` (the body of GET /v1/posts/:id and of /v1/posts/:id/proof). For tests that check a client
 * trusts no indexer: scripts/verify-proof.ts, `show --verify`, a tip signed for an anchored post.
 */
import { createServer, type Server } from "node:http";

import { freePort } from "./anvil.ts";

export interface Lie {
  /** The upstream path to fetch instead of `path` (to serve another post under this id). */
  from?: (path: string) => string;
  /** Changes the JSON body of `path` in place. */
  body: (path: string, body: any) => void;
}

export const DEAD = "0x000000000000000000000000000000000000dEaD";
const postPath = /^\/v1\/posts\/(\d+)$/;
const proofPath = /^\/v1\/posts\/(\d+)\/proof$/;
const onPost = (change: (data: any) => void) => (path: string, body: any) => {
  if (postPath.test(path) && body?.data !== undefined) change(body.data);
};

/** The lies of issue 16: each one changes one thing the chain can prove. */
export const LIES: Record<string, Lie> = {
  // the author, in the post only (what the CLI and the page show and tip)
  author: { body: onPost((d) => (d.author = DEAD.toLowerCase())) },
  // the author, in the post and in the proof's leaf: only the chain's root can tell
  "author everywhere": {
    body: (path, body) => {
      if (postPath.test(path)) body.data.author = DEAD.toLowerCase();
      if (proofPath.test(path)) body.data.leaf.author = DEAD.toLowerCase();
    },
  },
  parent: { body: onPost((d) => (d.parentId = d.parentId === "1" ? "2" : "1")) },
  content: { body: onPost((d) => (d.content = `${d.content} (edited by the index)`)) },
  // another post (the next id) and its proof, served under the id asked for
  id: {
    from: (path) => path.replace(/^\/v1\/posts\/(\d+)/, (_, id: string) => `/v1/posts/${BigInt(id) + 1n}`),
    body: (path, body) => {
      const asked = (postPath.exec(path) ?? proofPath.exec(path))?.[1];
      if (asked === undefined || body?.data === undefined) return;
      if (postPath.test(path)) body.data.id = asked;
      else {
        body.data.postId = asked;
        body.data.leaf.postId = asked;
      }
    },
  },
  batch: { body: onPost((d) => (d.batchId = String(BigInt(d.batchId ?? "0") + 1n))) },
};

export async function lyingApi(upstream: string, lie: Lie): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer(async (req, res) => {
    const path = req.url ?? "/";
    const response = await fetch(`${upstream}${lie.from?.(path) ?? path}`);
    const text = await response.text();
    let out = text;
    try {
      const body = JSON.parse(text);
      lie.body(path.split("?")[0]!, body);
      out = JSON.stringify(body);
    } catch {
      // not JSON (an SSE stream, metrics): served as it is
    }
    res.writeHead(response.status, { "content-type": response.headers.get("content-type") ?? "application/json" }).end(out);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
