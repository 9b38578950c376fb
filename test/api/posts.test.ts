import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";

import { PostView, Tip, envelope } from "../../server/api/models.ts";
import { ALICE, BOB, CAROL, MAX_UINT256, TOKEN, getJson, problemCode, startApi, type Harness } from "./helpers.ts";

const b64url = (key: string) => Buffer.from(key, "utf8").toString("base64url");
const ids = (body: { data: { id: string }[] }) => body.data.map((post) => post.id);

describe("GET /v1/posts", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  describe("when nothing is indexed yet", () => {
    it("returns an empty page and a null block", async () => {
      const res = await getJson(`${api.url}/v1/posts`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { data: [], page: { next: null }, block: { number: null, hash: null, final: false } });
    });
  });

  describe("with posts", () => {
    before(async () => {
      for (let i = 0; i < 5; i++) await api.chain.mine(api.chain.post(i % 2 === 0 ? ALICE : BOB, `post ${i + 1}`));
    });

    it("lists newest first with stats, in the envelope schema", async () => {
      const res = await getJson(`${api.url}/v1/posts`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
      envelope(PostView.array(), true).parse(res.body);
      assert.deepEqual(ids(res.body), ["5", "4", "3", "2", "1"]);
      assert.deepEqual(res.body.data[0].stats, { replies: 0, tips: 0, totals: {} });
      assert.equal(res.body.page.next, null);
    });

    it("reports the indexed block and whether it is final", async () => {
      api.status.chainHead = 6;
      let res = await getJson(`${api.url}/v1/posts?limit=1`);
      assert.equal(res.body.block.number, 5);
      assert.equal(res.body.block.final, false);
      api.status.chainHead = 7;
      res = await getJson(`${api.url}/v1/posts?limit=1`);
      assert.match(res.body.block.hash, /^0x[0-9a-f]{64}$/);
      assert.equal(res.body.block.final, true);
      api.status.chainHead = null;
    });

    it("pages with limit and an opaque cursor", async () => {
      const first = await getJson(`${api.url}/v1/posts?limit=2`);
      assert.deepEqual(ids(first.body), ["5", "4"]);
      assert.match(first.body.page.next, /^[A-Za-z0-9_-]+$/);
      const second = await getJson(`${api.url}/v1/posts?limit=2&cursor=${first.body.page.next}`);
      assert.deepEqual(ids(second.body), ["3", "2"]);
      const third = await getJson(`${api.url}/v1/posts?limit=2&cursor=${second.body.page.next}`);
      assert.deepEqual(ids(third.body), ["1"]);
      assert.equal(third.body.page.next, null);
    });

    for (const [query, code] of [
      ["limit=0", "invalid_parameter"],
      ["limit=101", "invalid_parameter"],
      ["limit=abc", "invalid_parameter"],
      ["limit=01", "invalid_parameter"],
      ["limit=2&limit=3", "invalid_parameter"],
      ["offset=2", "invalid_parameter"],
      ["cursor=%25%25", "invalid_cursor"],
      [`cursor=${b64url(`p!${"1".padStart(19, "0")}`)}`, "invalid_cursor"], // 19 digits: not a key of the feed
      [`cursor=${b64url(`p!${"1".padStart(20, "0")}`)}%3D`, "invalid_cursor"], // padded: not canonical base64url
      [`cursor=${b64url(`p!${"1".padStart(20, "0")}`).slice(0, -1)}`, "invalid_cursor"], // truncated
      [`cursor=${b64url(`ap!${"a".repeat(40)}!${"1".padStart(20, "0")}`)}`, "invalid_cursor"], // another listing
      [`cursor=${"A".repeat(513)}`, "invalid_parameter"], // too long
    ] as const) {
      it(`rejects ?${query} with 400 ${code}`, async () => {
        const res = await getJson(`${api.url}/v1/posts?${query}`);
        assert.equal(res.status, 400);
        assert.equal(problemCode(res), code);
      });
    }
  });
});

describe("GET /v1/posts (pagination while posts arrive)", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
    for (let i = 0; i < 45; i++) await api.chain.mine(api.chain.post(ALICE, `p${i}`));
  });
  after(() => api.close());

  it("walks the whole feed with no gaps and no duplicates", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? "limit=7" : `limit=7&cursor=${cursor}`;
      const res = await getJson(`${api.url}/v1/posts?${query}`);
      assert.equal(res.status, 200);
      seen.push(...ids(res.body));
      cursor = res.body.page.next;
      // Newer posts land before the walk's position: they must not shift later pages.
      await api.chain.mine(api.chain.post(BOB, "new"), api.chain.post(CAROL, "newer"));
      pages++;
    } while (cursor !== null);
    assert.equal(pages, 7);
    assert.deepEqual(seen, Array.from({ length: 45 }, (_, i) => String(45 - i)));
  });

  it("serves data and block from the same snapshot while blocks are ingested", async () => {
    // One post per block from here on: the newest post id pins the block it was read at.
    const base = Number(api.chain.head);
    const baseId = (await getJson(`${api.url}/v1/posts?limit=1`)).body.data[0].id - base;
    const writer = (async () => {
      for (let i = 0; i < 40; i++) await api.chain.mine(api.chain.post(ALICE, `c${i}`));
    })();
    const readers = Array.from({ length: 80 }, async () => {
      const res = await getJson(`${api.url}/v1/posts?limit=1`);
      assert.equal(Number(res.body.data[0].id) - baseId, res.body.block.number);
    });
    await Promise.all([writer, ...readers]);
  });

  it("reads a page once for all the requests that ask for it at the same block, however many arrive together", async () => {
    await api.chain.mine(api.chain.post(ALICE, "a new block: no page is cached"));
    const { store } = api;
    const snapshot = store.snapshot.bind(store);
    let snapshots = 0;
    store.snapshot = () => {
      snapshots += 1;
      return snapshot();
    };
    try {
      const responses = await Promise.all(Array.from({ length: 20 }, () => getJson(`${api.url}/v1/posts?limit=3`)));
      for (const res of responses) assert.deepEqual(res.body, responses[0].body);
      assert.equal(responses[0].body.data[0].content, "a new block: no page is cached");
      assert.equal(snapshots, 1);
    } finally {
      store.snapshot = snapshot;
    }
  });

  it("never serves a cached page after a new block is indexed", async () => {
    const first = await getJson(`${api.url}/v1/posts?limit=2`);
    const again = await getJson(`${api.url}/v1/posts?limit=2`);
    assert.deepEqual(again.body, first.body);
    await api.chain.mine(api.chain.post(ALICE, "fresh"));
    const after = await getJson(`${api.url}/v1/posts?limit=2`);
    assert.equal(after.body.data[0].content, "fresh");
    assert.equal(after.body.block.number, first.body.block.number + 1);
  });
});

describe("GET /v1/posts/:id and its replies and tips", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
    const { chain } = api;
    await chain.mine(chain.post(ALICE, "root"), chain.post(BOB, "other root"));
    await chain.mine(chain.post(BOB, "reply 1", 1n), chain.tip(1n, BOB, ALICE, 1000n, { fee: 10n }));
    await chain.mine(chain.post(CAROL, "reply 2", 1n), chain.tip(1n, CAROL, ALICE, MAX_UINT256 - 1000n, { asset: TOKEN }));
    await chain.mine(chain.post(ALICE, "reply 3", 1n), chain.tip(2n, ALICE, BOB, MAX_UINT256, { asset: TOKEN }));
  });
  after(() => api.close());

  it("returns a post with its reply count, tip count and totals per asset", async () => {
    const res = await getJson(`${api.url}/v1/posts/1`);
    assert.equal(res.status, 200);
    envelope(PostView, false).parse(res.body);
    assert.equal(res.body.data.content, "root");
    assert.equal(res.body.data.author, ALICE);
    assert.deepEqual(res.body.data.stats, {
      replies: 3,
      tips: 2,
      totals: { "0x0000000000000000000000000000000000000000": "1000", [TOKEN]: (MAX_UINT256 - 1000n).toString() },
    });
    assert.equal(res.body.block.number, 4);
  });

  it("keeps a uint256-max tip exact in the post's totals and tips", async () => {
    const post = await getJson(`${api.url}/v1/posts/2`);
    assert.equal(post.body.data.stats.totals[TOKEN], MAX_UINT256.toString());
    const tips = await getJson(`${api.url}/v1/posts/2/tips`);
    assert.equal(tips.body.data[0].amount, "115792089237316195423570985008687907853269984665640564039457584007913129639935");
  });

  it("lists replies oldest first, with pages", async () => {
    const first = await getJson(`${api.url}/v1/posts/1/replies?limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(ids(first.body), ["3", "4"]);
    const second = await getJson(`${api.url}/v1/posts/1/replies?limit=2&cursor=${first.body.page.next}`);
    assert.deepEqual(ids(second.body), ["5"]);
    assert.equal(second.body.page.next, null);
  });

  it("lists a post's tips newest first", async () => {
    const res = await getJson(`${api.url}/v1/posts/1/tips`);
    assert.equal(res.status, 200);
    envelope(Tip.array(), true).parse(res.body);
    assert.deepEqual(
      res.body.data.map((tip: { tipper: string; amount: string; fee: string }) => [tip.tipper, tip.amount, tip.fee]),
      [[CAROL, (MAX_UINT256 - 1000n).toString(), "0"], [BOB, "1000", "10"]],
    );
  });

  it("rejects another listing's cursor with 400 invalid_cursor", async () => {
    const replies = await getJson(`${api.url}/v1/posts/1/replies?limit=1`);
    const res = await getJson(`${api.url}/v1/posts/2/replies?cursor=${replies.body.page.next}`);
    assert.equal(res.status, 400);
    assert.equal(problemCode(res), "invalid_cursor");
  });

  for (const path of ["/v1/posts/99", "/v1/posts/99/replies", "/v1/posts/99/tips", `/v1/posts/${MAX_UINT256}`]) {
    it(`answers 404 not_found for ${path.slice(0, 40)}`, async () => {
      const res = await getJson(`${api.url}${path}`);
      assert.equal(res.status, 404);
      assert.equal(problemCode(res), "not_found");
    });
  }

  for (const id of ["0", "01", "-1", "1.5", "abc", "0x1", (MAX_UINT256 + 1n).toString(), "%20", "1%2F2"]) {
    it(`rejects the id ${id.slice(0, 20)} with 400 invalid_parameter`, async () => {
      for (const suffix of ["", "/replies", "/tips"]) {
        const res = await getJson(`${api.url}/v1/posts/${id}${suffix}`);
        assert.equal(res.status, 400, `${id}${suffix}`);
        assert.equal(problemCode(res), "invalid_parameter");
      }
    });
  }

  it("rejects query parameters on a single post", async () => {
    const res = await getJson(`${api.url}/v1/posts/1?limit=2`);
    assert.equal(res.status, 400);
    assert.equal(problemCode(res), "invalid_parameter");
    assert.deepEqual(res.body.errors, [{ in: "query", name: "limit", reason: "is not a known parameter" }]);
  });
});
