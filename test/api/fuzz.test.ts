/**
 * Property-based tests against the real app: generated requests (valid and invalid ids, addresses,
 * limits, cursors, unknown and repeated parameters) are judged by an oracle written independently
 * of the implementation; then raw random paths. Invariants: no invalid input is accepted, no valid
 * one is refused, and nothing answers >= 500.
 */
import assert from "node:assert/strict";
import { Agent } from "node:http";

import fc from "fast-check";
import { after, before, describe, it } from "mocha";

import { ALICE, BOB, CAROL, ETH, MAX_UINT256, TOKEN, rawRequest, startApi, type Harness } from "./helpers.ts";

type Route = "feed" | "post" | "replies" | "tips" | "author" | "authorPosts" | "topPosts" | "topAuthors" | "config" | "stream";

const ROUTES: Record<Route, { path: (id: string, address: string) => string; paged: boolean; asset: boolean }> = {
  feed: { path: () => "/v1/posts", paged: true, asset: false },
  post: { path: (id) => `/v1/posts/${id}`, paged: false, asset: false },
  replies: { path: (id) => `/v1/posts/${id}/replies`, paged: true, asset: false },
  tips: { path: (id) => `/v1/posts/${id}/tips`, paged: true, asset: false },
  author: { path: (_, address) => `/v1/authors/${address}`, paged: false, asset: false },
  authorPosts: { path: (_, address) => `/v1/authors/${address}/posts`, paged: true, asset: false },
  topPosts: { path: () => "/v1/leaderboards/posts", paged: true, asset: true },
  topAuthors: { path: () => "/v1/leaderboards/authors", paged: true, asset: true },
  config: { path: () => "/v1/config", paged: false, asset: false },
  stream: { path: () => "/v1/stream", paged: false, asset: false },
};

const POSTS = 6;
const ACCOUNTS = [ALICE, BOB, CAROL];

// The oracle: what the API promises, restated without the implementation's code.
const isId = (s: string) => /^[1-9][0-9]*$/.test(s) && BigInt(s) <= MAX_UINT256;
const isAddress = (s: string) => /^0x[0-9a-fA-F]{40}$/.test(s);
const isLimit = (s: string) => /^[1-9][0-9]*$/.test(s) && Number(s) <= 100;

interface Generated {
  route: Route;
  id: string;
  address: string;
  limit: string | undefined;
  cursor: string | undefined;
  asset: string | undefined;
  extra: [string, string] | undefined;
  repeatLimit: boolean;
}

const mixedCase = (address: string) =>
  fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }).map((upper) => "0x" + [...address.slice(2)].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));

describe("API properties (fast-check)", () => {
  let api: Harness;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  /** A valid cursor of each listing, keyed like `listingOf`. */
  const cursors = new Map<string, string>();

  /** The listing a request pages through, to know which cursor belongs to it. */
  const listingOf = (g: Generated): string => {
    if (g.route === "replies" || g.route === "tips") return `${g.route}:${isId(g.id) ? BigInt(g.id) : g.id}`;
    if (g.route === "authorPosts") return `${g.route}:${g.address.toLowerCase()}`;
    if (g.route === "topPosts" || g.route === "topAuthors") return `${g.route}:${(g.asset ?? ETH).toLowerCase()}`;
    return g.route;
  };

  before(async () => {
    api = await startApi();
    const { chain } = api;
    await chain.mine(chain.post(ALICE, "1"), chain.post(BOB, "2"), chain.post(ALICE, "3"));
    await chain.mine(chain.post(BOB, "4", 1n), chain.post(CAROL, "5", 1n), chain.post(ALICE, "6", 1n));
    await chain.mine(chain.tip(1n, BOB, ALICE, 5n), chain.tip(1n, CAROL, ALICE, 7n), chain.tip(2n, ALICE, BOB, 9n), chain.tip(3n, BOB, ALICE, 1n, { asset: TOKEN }));
    await chain.mine(chain.tip(1n, BOB, ALICE, MAX_UINT256 - 100n, { asset: TOKEN }));
    const pages: [string, string][] = [
      ["feed", "/v1/posts"], ["replies:1", "/v1/posts/1/replies"], ["tips:1", "/v1/posts/1/tips"],
      [`authorPosts:${ALICE}`, `/v1/authors/${ALICE}/posts`], [`topPosts:${ETH}`, "/v1/leaderboards/posts"],
      [`topPosts:${TOKEN}`, `/v1/leaderboards/posts?asset=${TOKEN}`], [`topAuthors:${ETH}`, "/v1/leaderboards/authors"],
    ];
    for (const [listing, path] of pages) {
      const res = await fetch(`${api.url}${path}${path.includes("?") ? "&" : "?"}limit=1`);
      const next = ((await res.json()) as { page: { next: string | null } }).page.next;
      assert.ok(next, listing);
      cursors.set(listing, next);
    }
  });
  after(async () => {
    agent.destroy();
    await api.close();
  });

  /** Mostly valid values (weight 3), or anything else. */
  const mostly = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<T>[]) =>
    fc.oneof({ arbitrary: valid, weight: 3 * invalid.length }, ...invalid.map((arbitrary) => ({ arbitrary, weight: 1 })));
  /** Absent `absentWeight` times for each time present. */
  const absentOr = <T>(value: fc.Arbitrary<T>, absentWeight = 1): fc.Arbitrary<T | undefined> =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: absentWeight }, { arbitrary: value, weight: 1 });

  /** Parameters a route takes are present half the time; stray ones about one time in 12. */
  const presence = (takes: boolean) => (takes ? 1 : 11);

  /** Built once (building arbitraries such as stringMatching is costly), after `before` found the cursors. */
  function requests(): fc.Arbitrary<Generated> {
    const id = mostly(
      fc.oneof(fc.integer({ min: 1, max: POSTS + 2 }).map(String), fc.bigInt({ min: 1n, max: MAX_UINT256 }).map(String)),
      fc.bigInt({ min: MAX_UINT256 + 1n, max: MAX_UINT256 * 2n }).map(String),
      fc.constantFrom("0", "00", "01", "-1", "1.0", "1e3", "0x1", " 1", "1 ", "+1", "١", ".", "..", "%", "%2F"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
    );
    const address = mostly(
      fc.oneof(fc.constantFrom(...ACCOUNTS).chain(mixedCase), fc.stringMatching(/^0x[0-9a-f]{40}$/)),
      fc.stringMatching(/^(0x)?[0-9a-fA-F]{38,42}$/),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 44 }),
    );
    const limit = mostly(
      fc.integer({ min: 1, max: 100 }).map(String),
      fc.integer({ min: -5, max: 1000 }).map(String),
      fc.stringMatching(/^[0-9]{1,4}$/),
      fc.string({ maxLength: 4 }),
    );
    const asset = mostly(fc.constantFrom(ETH, TOKEN, TOKEN.toUpperCase().replace("0X", "0x")), fc.stringMatching(/^0x[0-9a-f]{39,41}$/), fc.string({ maxLength: 8 }));
    const extra = absentOr(fc.tuple(fc.string({ unit: "grapheme", maxLength: 8 }).filter((k) => !["limit", "cursor", "asset"].includes(k)), fc.string({ maxLength: 4 })), 11);
    const repeatLimit = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);
    const anyCursor = fc.constantFrom(...cursors.values());
    const noise = fc.oneof(fc.string({ maxLength: 40 }), fc.base64String({ maxLength: 60 }));

    const perRoute = (route: Route) =>
      fc
        .record({
          route: fc.constant(route),
          id,
          address,
          limit: absentOr(limit, presence(ROUTES[route].paged)),
          asset: absentOr(asset, presence(ROUTES[route].asset)),
          extra,
          repeatLimit,
        })
        .chain((g) =>
          // A cursor: none, this listing's own, another listing's, or noise.
          fc
            .oneof(
              { arbitrary: fc.constant(undefined), weight: ROUTES[g.route].paged ? 4 : 40 },
              { arbitrary: fc.constant(cursors.get(listingOf({ ...g, cursor: undefined }))), weight: 4 },
              { arbitrary: anyCursor, weight: 1 },
              { arbitrary: noise, weight: 1 },
            )
            .map((cursor): Generated => ({ ...g, cursor })),
        );
    return fc.oneof(...(Object.keys(ROUTES) as Route[]).map(perRoute));
  }

  function expected(g: Generated): number {
    const route = ROUTES[g.route];
    const usesId = g.route === "post" || g.route === "replies" || g.route === "tips";
    const usesAddress = g.route === "author" || g.route === "authorPosts";
    const valid =
      (!usesId || isId(g.id)) &&
      (!usesAddress || isAddress(g.address)) &&
      (g.limit === undefined || (route.paged && isLimit(g.limit) && !g.repeatLimit)) &&
      (g.cursor === undefined || (route.paged && cursors.get(listingOf(g)) === g.cursor)) &&
      (g.asset === undefined || (route.asset && isAddress(g.asset))) &&
      g.extra === undefined;
    if (!valid) return 400;
    if (usesId && BigInt(g.id) > BigInt(POSTS)) return 404;
    if (usesAddress && !ACCOUNTS.includes(g.address.toLowerCase() as `0x${string}`)) return 404;
    return 200;
  }

  function requestPath(g: Generated): string {
    const params = new URLSearchParams();
    if (g.limit !== undefined) params.append("limit", g.limit);
    if (g.limit !== undefined && g.repeatLimit) params.append("limit", g.limit);
    if (g.cursor !== undefined) params.append("cursor", g.cursor);
    if (g.asset !== undefined) params.append("asset", g.asset);
    if (g.extra !== undefined) params.append(...g.extra);
    const query = params.toString();
    return ROUTES[g.route].path(encodeURIComponent(g.id), encodeURIComponent(g.address)) + (query === "" ? "" : `?${query}`);
  }

  it("accepts exactly the valid requests and never answers >= 500 (4000 generated requests)", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(), async (g) => {
        const path = requestPath(g);
        const res = await rawRequest(api.url, "GET", path, undefined, {}, agent);
        const want = expected(g);
        seen.set(want, (seen.get(want) ?? 0) + 1);
        assert.equal(res.status, want, `${path} -> ${res.status} ${res.text}`);
        if (want === 400) assert.ok(["invalid_parameter", "invalid_cursor"].includes(JSON.parse(res.text).code), res.text);
        if (want === 404) assert.equal(JSON.parse(res.text).code, "not_found");
      }),
      { numRuns: 4000 },
    );
    // The generator must reach every outcome often, or the property proves little.
    for (const status of [200, 400, 404]) assert.ok((seen.get(status) ?? 0) >= 200, `${status}: ${seen.get(status)} runs`);
  });

  const pathChar = fc.oneof(
    fc.constantFrom("v1", "posts", "authors", "leaderboards", "config", "replies", "tips", "1", "0", ALICE, "%", "%2F", "%00", "%E0%A4%A", "..", ".", "?", "&", "=", "limit=5", "cursor=", "asset=", "//"),
    fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 6 }),
  );

  it("answers random raw paths with < 500, and every error as problem+json (1500 paths)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pathChar, { maxLength: 8 }), async (parts) => {
        const path = `/${parts.join("/")}`;
        const res = await rawRequest(api.url, "GET", path, undefined, {}, agent);
        assert.ok(res.status < 500, `${path} -> ${res.status} ${res.text}`);
        if (res.status >= 400) {
          assert.match(String(res.headers["content-type"]), /^application\/problem\+json/, path);
          const body = JSON.parse(res.text);
          assert.equal(body.status, res.status);
          assert.equal(typeof body.code, "string");
        }
      }),
      { numRuns: 1500 },
    );
  });
});
