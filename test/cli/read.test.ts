import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { parseEther } from "viem";

import { pennyPostAbi, pennyTestTokenAbi } from "../../lib/generated/abi.ts";
import type { RunningServer } from "../../server/main.ts";
import { freePort } from "../indexer/anvil.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, field, pennypost, startApi, startCliChain, untilIndexed, writeAs, type CliChain } from "./helpers.ts";

const FEE = 10n ** 13n;
const TIME = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/.source;

describe("pennypost feed and show (CLI, real API)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let api: RunningServer;
  const read = (args: string[]) => pennypost(undefined, [...args, "--api", api.url]);
  const post = (as: number, parentId: bigint, text: string) =>
    writeAs(chain, as, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [parentId, text], value: FEE });

  before(async () => {
    chain = await startCliChain();
    api = await startApi(chain);
    await post(1, 0n, "first post");
    await post(2, 0n, "second post\nwith two lines");
    await writeAs(chain, 3, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "tip", args: [1n], value: parseEther("0.001") });
    await writeAs(chain, 3, { address: chain.testToken, abi: pennyTestTokenAbi, functionName: "approve", args: [chain.pennyPost, parseEther("2")] });
    await writeAs(chain, 3, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "tipToken", args: [1n, chain.testToken, parseEther("2")] });
    // The third post goes through the CLI, and the API serves it.
    const reply = await pennypost(chain, ["reply", "--parent", "1", "--text", "a reply from the CLI"], { as: 1 });
    assert.equal(reply.status, 0, reply.stderr);
    await untilIndexed(chain, api);
    const served = (await (await fetch(`${api.url}/v1/posts/3`)).json()) as { data: { content: string; parentId: string; author: string } };
    assert.deepEqual(served.data.content, "a reply from the CLI");
    assert.equal(served.data.parentId, "1");
    assert.equal(served.data.author, chain.address(1).toLowerCase());
  });
  after(async () => {
    await api.stop();
    await chain.stop();
    await removeTempDirs();
  });

  describe("feed", () => {
    it("prints the newest posts first: id, author, time, tips, replies and the text", async () => {
      const result = await read(["feed"]);
      assert.equal(result.status, 0, result.stderr);
      const [third, second, first] = result.stdout.trimEnd().split("\n\n");
      const a1 = chain.address(1);
      const a2 = chain.address(2);
      assert.match(third, new RegExp(`^#3  ${a1}  ${TIME}  no tips  reply to #1\n    a reply from the CLI$`));
      assert.match(second, new RegExp(`^#2  ${a2}  ${TIME}  no tips\n    second post\n    with two lines$`));
      assert.match(first, new RegExp(`^#1  ${a1}  ${TIME}  2 tips \\(0\\.001 ETH, 2 PPTEST\\)  1 reply\n    first post$`));
    });

    it("prints at most --limit posts", async () => {
      const result = await read(["feed", "--limit", "1"]);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /^#3 /);
      assert.ok(!result.stdout.includes("#2"));
    });

    it("prints one author's posts with --author", async () => {
      const [mine, none] = await Promise.all([
        read(["feed", "--author", chain.address(2)]),
        read(["feed", "--author", chain.address(7)]),
      ]);
      assert.equal(mine.status, 0, mine.stderr);
      assert.match(mine.stdout, /^#2 /);
      assert.ok(!mine.stdout.includes("#1"));
      assert.equal(none.status, 0, none.stderr);
      assert.equal(none.stdout.trim(), `No posts by ${chain.address(7)} yet.`);
    });

    it("refuses bad options and says when the API is down, one line each, exit code 1", async () => {
      const down = `http://127.0.0.1:${await freePort()}`;
      const [limit, tooMany, author, notUrl, apiDown] = await Promise.all([
        read(["feed", "--limit", "0"]),
        read(["feed", "--limit", "1000"]),
        read(["feed", "--author", "alice"]),
        pennypost(undefined, ["feed", "--api", "localhost 8080"]),
        pennypost(undefined, ["feed", "--api", down]),
      ]);
      assertFails(limit, /--limit must be a whole number of posts, 1 or more, not 0/);
      assertFails(tooMany, /--limit is at most 100 \(the API's page size, MAX_PAGE_SIZE\), not 1000/);
      assertFails(author, /--author must be a 0x-prefixed 20-byte address, not "alice"/);
      assertFails(notUrl, /--api must be the API's URL, such as http:\/\/127\.0\.0\.1:8080, not "localhost 8080"/);
      assertFails(apiDown, new RegExp(`the PennyPost API does not answer at ${down}; start it with \`\\./pennypost start\`, or give its address with --api <url>`));
    });
  });

  describe("show", () => {
    it("prints the post, its counts, its text and its tips", async () => {
      const result = await read(["show", "--post", "1"]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(field(result.stdout, "post"), "#1");
      assert.equal(field(result.stdout, "author"), chain.address(1));
      assert.equal(field(result.stdout, "replies"), "1");
      assert.equal(field(result.stdout, "tips"), "2 (0.001 ETH, 2 PPTEST)");
      assert.equal(field(result.stdout, "fee paid"), "0.00001 ETH");
      assert.match(field(result.stdout, "mode"), /^direct \(block \d+, tx 0x[0-9a-f]{64}\)$/);
      assert.match(result.stdout, /\n\n    first post\n\nTips, newest first:\n/);
      const tipper = chain.address(3);
      assert.match(result.stdout, new RegExp(`\n  ${TIME}  ${tipper}  2 PPTEST  \\(fee 0\\.05 PPTEST\\)\n  ${TIME}  ${tipper}  0\\.001 ETH  \\(fee 0\\.000025 ETH\\)\n$`));
    });

    it("shows a reply's parent", async () => {
      const result = await read(["show", "--post", "3"]);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(field(result.stdout, "reply to"), "#1");
      assert.equal(field(result.stdout, "tips"), "0");
    });

    it("says when there is no such post, exit code 1", async () => {
      const [missing, none] = await Promise.all([read(["show", "--post", "99"]), read(["show"])]);
      assertFails(missing, new RegExp(`the index at ${api.url} has no post #99: see the ids with \`./pennypost feed\``));
      assertFails(none, /give the post's id with --post <id>/);
    });
  });
});
