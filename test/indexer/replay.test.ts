/**
 * Issue 16, finding 2: the sequencer re-anchored genuine signed posts unchanged in a later batch, and
 * every indexer showed the copies as new posts (the author's post count 3 -> 4, the parent's reply
 * count up). A signed anchored post is (author, seq): a fresh indexer counts it once, whatever the
 * sequencer does, serves a copy by id with `replayOf`, and flags it in /v1/batches/:id. Real anvil,
 * real server (indexer + API) over HTTP.
 */
import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { encodeFunctionData, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree, encodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { pennyPostDomain, signAnchoredPost } from "../../lib/relayed.ts";
import { loadConfig } from "../../server/config.ts";
import { startServer, type RunningServer } from "../../server/main.ts";
import { deployPennyPost, startAnvil, type Anvil } from "./anvil.ts";
import { removeTempDirs, silentLogger, tempDir } from "./helpers.ts";

const FEE = 10n ** 13n;

describe("replayed anchored posts (anvil, fresh indexer)", function () {
  this.timeout(120_000);
  let anvil: Anvil;
  let address: Hex;
  let server: RunningServer;
  const get = async (path: string) => {
    const response = await fetch(`${server.url}${path}`);
    return { status: response.status, body: (await response.json()) as any };
  };

  async function send(from: number, data: Hex, value = 0n) {
    const hash = await anvil.wallet(from).sendTransaction({ to: address, data, value, account: anvil.accounts[from], chain: undefined });
    assert.equal((await anvil.client.waitForTransactionReceipt({ hash })).status, "success");
  }
  const anchor = (posts: AnchoredPost[]) =>
    send(0, encodeFunctionData({ abi: pennyPostAbi, functionName: "anchor", args: [buildAnchorTree(posts).root, BigInt(posts.length), encodeAnchorData(posts)] }));

  before(async () => {
    anvil = await startAnvil();
    address = await deployPennyPost(anvil, FEE);
    await send(3, encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, "a direct post to reply to"] }), FEE); // #1
    await send(0, encodeFunctionData({ abi: pennyPostAbi, functionName: "setSequencer", args: [anvil.accounts[0].address, true] }));
    const domain = pennyPostDomain(await anvil.client.getChainId(), address);
    const a = anvil.accounts[1];
    const b = anvil.accounts[2];
    const sign = (who: typeof a, seq: bigint, parentId: bigint, content: string) =>
      signAnchoredPost(who, domain, { author: who.address, parentId, content, seq, cumulativeFee: FEE * seq });
    const a1 = await sign(a, 1n, 0n, "a's first");
    const a2 = await sign(a, 2n, 1n, "a's reply to #1");
    const b1 = await sign(b, 1n, 0n, "b's first");
    const a3 = await sign(a, 3n, 0n, "a's third");
    // a's seq 3 signed twice with other content (an equivocation): still one post of a's
    const a3other = await sign(a, 3n, 0n, "a's third, said otherwise");
    await anchor([a1, a2, b1]); // batch 1: posts #2, #3, #4
    await anchor([a2, a3, a1, a3, a3other]); // batch 2: #5 (replay of #3), #6, #7 (replay of #2), #8 (replay of #6, same batch), #9 (same seq)
    const config = loadConfig({ CHAIN_RPC_URL: anvil.url, PENNYPOST_ADDRESS: address, DATA_DIR: await tempDir("replay"), HTTP_PORT: "0", POLL_INTERVAL_MS: "20" });
    server = await startServer(config, silentLogger);
    for (let i = 0; i < 200 && !server.follower.status().caughtUp; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.follower.status().caughtUp, true);
  });
  after(async () => {
    await server?.stop();
    await anvil?.stop();
    await removeTempDirs();
  });

  it("counts each signed post once: the author's posts, the parent's replies, the feed", async () => {
    const author = await get(`/v1/authors/${anvil.accounts[1].address.toLowerCase()}`);
    assert.equal(author.body.data.posts, 3, "a signed seq 1, 2 and 3: three posts, however often they were anchored");
    const parent = await get("/v1/posts/1");
    assert.equal(parent.body.data.stats.replies, 1, "one reply, though it was anchored twice");
    const feed = await get("/v1/posts?limit=50");
    assert.deepEqual(feed.body.data.map((p: { id: string }) => p.id).sort(), ["1", "2", "3", "4", "6"]);
    const authorPosts = await get(`/v1/authors/${anvil.accounts[1].address.toLowerCase()}/posts`);
    assert.deepEqual(authorPosts.body.data.map((p: { id: string }) => p.id).sort(), ["2", "3", "6"]);
  });

  it("flags every replay in /v1/batches/:id, in a later batch and in the same batch", async () => {
    const first = await get("/v1/batches/1");
    assert.deepEqual(first.body.data.replays, []);
    assert.equal(first.body.data.posts, 3);
    const second = await get("/v1/batches/2");
    assert.deepEqual(second.body.data.replays, [
      { postId: "5", replayOf: "3" },
      { postId: "7", replayOf: "2" },
      { postId: "8", replayOf: "6" },
      { postId: "9", replayOf: "6" },
    ]);
    assert.equal(second.body.data.posts, 1, "only a's third is new");
  });

  it("serves a replayed copy by id, saying which post it repeats", async () => {
    const copy = await get("/v1/posts/5");
    assert.equal(copy.status, 200);
    assert.equal(copy.body.data.replayOf, "3");
    assert.equal((await get("/v1/posts/3")).body.data.replayOf, undefined);
  });
});
