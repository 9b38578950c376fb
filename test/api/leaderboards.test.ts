import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";

import { TopAuthor, TopPost, envelope } from "../../server/api/models.ts";
import { ALICE, BOB, CAROL, ETH, MAX_UINT256, TOKEN, getJson, problemCode, startApi, type Harness } from "./helpers.ts";

describe("GET /v1/leaderboards", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
    const { chain } = api;
    await chain.mine(chain.post(ALICE, "a"), chain.post(BOB, "b"), chain.post(CAROL, "c"));
    await chain.mine(chain.tip(1n, BOB, ALICE, 100n), chain.tip(2n, ALICE, BOB, 300n, { fee: 30n }), chain.tip(3n, ALICE, CAROL, 50n));
    await chain.mine(chain.tip(1n, CAROL, ALICE, 150n), chain.tip(3n, BOB, CAROL, MAX_UINT256, { asset: TOKEN }));
  });
  after(() => api.close());

  describe("posts", () => {
    it("ranks posts by total tipped in ETH by default, richest first", async () => {
      const res = await getJson(`${api.url}/v1/leaderboards/posts`);
      assert.equal(res.status, 200);
      envelope(TopPost.array(), true).parse(res.body);
      assert.deepEqual(
        res.body.data.map((entry: { postId: string; total: string; asset: string }) => [entry.postId, entry.total, entry.asset]),
        [["2", "300", ETH], ["1", "250", ETH], ["3", "50", ETH]],
      );
      assert.equal(res.body.data[0].post.content, "b");
    });

    it("decodes a uint256-max total exactly for a token", async () => {
      const res = await getJson(`${api.url}/v1/leaderboards/posts?asset=${TOKEN.toUpperCase().replace("0X", "0x")}`);
      assert.deepEqual(res.body.data.map((entry: { postId: string; total: string }) => [entry.postId, entry.total]), [["3", MAX_UINT256.toString()]]);
    });

    it("pages without repeating an entry", async () => {
      const first = await getJson(`${api.url}/v1/leaderboards/posts?limit=2`);
      const second = await getJson(`${api.url}/v1/leaderboards/posts?limit=2&cursor=${first.body.page.next}`);
      assert.deepEqual(second.body.data.map((entry: { postId: string }) => entry.postId), ["3"]);
      assert.equal(second.body.page.next, null);
    });

    it("returns an empty board for an asset nobody tipped", async () => {
      const res = await getJson(`${api.url}/v1/leaderboards/posts?asset=0x${"9".repeat(40)}`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.data, []);
    });
  });

  describe("authors", () => {
    it("ranks authors by tips received after fees", async () => {
      const res = await getJson(`${api.url}/v1/leaderboards/authors?asset=${ETH}`);
      assert.equal(res.status, 200);
      envelope(TopAuthor.array(), true).parse(res.body);
      assert.deepEqual(
        res.body.data.map((entry: { address: string; total: string }) => [entry.address, entry.total]),
        [[BOB, "270"], [ALICE, "250"], [CAROL, "50"]],
      );
    });

    it("rejects a posts-board cursor with 400 invalid_cursor", async () => {
      const posts = await getJson(`${api.url}/v1/leaderboards/posts?limit=1`);
      const res = await getJson(`${api.url}/v1/leaderboards/authors?cursor=${posts.body.page.next}`);
      assert.equal(res.status, 400);
      assert.equal(problemCode(res), "invalid_cursor");
    });

    it("rejects the same cursor for another asset with 400 invalid_cursor", async () => {
      const eth = await getJson(`${api.url}/v1/leaderboards/authors?limit=1`);
      const res = await getJson(`${api.url}/v1/leaderboards/authors?asset=${TOKEN}&cursor=${eth.body.page.next}`);
      assert.equal(res.status, 400);
      assert.equal(problemCode(res), "invalid_cursor");
    });
  });

  for (const query of ["asset=0x12", "asset=eth", `asset=${ETH}&asset=${TOKEN}`, "limit=1000", "sort=asc"]) {
    it(`rejects ?${query.slice(0, 30)} with 400 invalid_parameter`, async () => {
      for (const board of ["posts", "authors"]) {
        const res = await getJson(`${api.url}/v1/leaderboards/${board}?${query}`);
        assert.equal(res.status, 400);
        assert.equal(problemCode(res), "invalid_parameter");
      }
    });
  }
});
