import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";

import { Author, PostView, envelope } from "../../server/api/models.ts";
import { ALICE, BOB, CAROL, ETH, MAX_UINT256, TOKEN, getJson, problemCode, startApi, type Harness } from "./helpers.ts";

describe("GET /v1/authors/:address", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
    const { chain } = api;
    await chain.mine(chain.post(ALICE, "a1"), chain.post(BOB, "b1"), chain.post(ALICE, "a2"));
    await chain.mine(chain.tip(1n, BOB, ALICE, 1000n, { fee: 50n }), chain.tip(3n, CAROL, ALICE, MAX_UINT256, { asset: TOKEN, fee: 1n }));
    await chain.mine({ kind: "Withdrawn", account: ALICE, asset: ETH, to: ALICE, amount: 950n }, chain.post(ALICE, "a3"));
  });
  after(() => api.close());

  it("returns the profile: counts and exact amounts per asset", async () => {
    const res = await getJson(`${api.url}/v1/authors/${ALICE}`);
    assert.equal(res.status, 200);
    envelope(Author, false).parse(res.body);
    assert.deepEqual(res.body.data, {
      address: ALICE,
      posts: 3,
      tipsReceived: 2,
      tipsSent: 0,
      received: { [ETH]: "950", [TOKEN]: (MAX_UINT256 - 1n).toString() },
      sent: {},
      owed: { [ETH]: "0", [TOKEN]: (MAX_UINT256 - 1n).toString() },
      withdrawn: { [ETH]: "950" },
    });
  });

  it("counts and sums what a tipper sent, uint256 max included", async () => {
    const res = await getJson(`${api.url}/v1/authors/${CAROL}`);
    assert.equal(res.body.data.tipsSent, 1);
    assert.equal(res.body.data.sent[TOKEN], MAX_UINT256.toString());
  });

  it("accepts a mixed-case (checksummed) address and answers in lower case", async () => {
    const res = await getJson(`${api.url}/v1/authors/${ALICE.toUpperCase().replace("0X", "0x")}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.data.address, ALICE);
  });

  it("answers 404 not_found for an address the index has never seen", async () => {
    const res = await getJson(`${api.url}/v1/authors/0x${"1".repeat(40)}`);
    assert.equal(res.status, 404);
    assert.equal(problemCode(res), "not_found");
  });

  for (const address of ["0x123", `0x${"g".repeat(40)}`, "a".repeat(42), `0x${"1".repeat(41)}`, `${ALICE}%00`]) {
    it(`rejects ${address.slice(0, 12)}… with 400 invalid_parameter`, async () => {
      for (const suffix of ["", "/posts"]) {
        const res = await getJson(`${api.url}/v1/authors/${address}${suffix}`);
        assert.equal(res.status, 400);
        assert.equal(problemCode(res), "invalid_parameter");
      }
    });
  }
});

describe("GET /v1/authors/:address/posts", () => {
  let api: Harness;
  before(async () => {
    api = await startApi();
    const { chain } = api;
    for (let i = 0; i < 5; i++) await chain.mine(chain.post(ALICE, `a${i}`), chain.post(BOB, `b${i}`));
    await chain.mine(chain.tip(1n, CAROL, ALICE, 7n));
  });
  after(() => api.close());

  it("lists the author's posts newest first, with pages", async () => {
    const first = await getJson(`${api.url}/v1/authors/${ALICE}/posts?limit=3`);
    assert.equal(first.status, 200);
    envelope(PostView.array(), true).parse(first.body);
    assert.deepEqual(first.body.data.map((post: { id: string }) => post.id), ["9", "7", "5"]);
    const second = await getJson(`${api.url}/v1/authors/${ALICE}/posts?limit=3&cursor=${first.body.page.next}`);
    assert.deepEqual(second.body.data.map((post: { id: string }) => post.id), ["3", "1"]);
    assert.equal(second.body.data[1].stats.tips, 1);
    assert.equal(second.body.page.next, null);
  });

  it("returns an empty list for an account that only tipped", async () => {
    const res = await getJson(`${api.url}/v1/authors/${CAROL}/posts`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, []);
  });

  it("rejects another author's cursor with 400 invalid_cursor", async () => {
    const bob = await getJson(`${api.url}/v1/authors/${BOB}/posts?limit=1`);
    const res = await getJson(`${api.url}/v1/authors/${ALICE}/posts?cursor=${bob.body.page.next}`);
    assert.equal(res.status, 400);
    assert.equal(problemCode(res), "invalid_cursor");
  });

  it("answers 404 not_found for an unknown author", async () => {
    const res = await getJson(`${api.url}/v1/authors/0x${"2".repeat(40)}/posts`);
    assert.equal(res.status, 404);
    assert.equal(problemCode(res), "not_found");
  });
});
