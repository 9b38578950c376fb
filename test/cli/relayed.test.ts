import assert from "node:assert/strict";

import { after, before, describe, it } from "mocha";
import { parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { buildAnchorTree, encodeAnchorData } from "../../lib/anchored.ts";
import { pennyPostDomain, signAnchoredPost } from "../../lib/relayed.ts";
import type { RunningServer } from "../../server/main.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { LIES, lyingApi } from "../indexer/lying-api.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, field, pennypost, startApi, startCliChain, untilIndexed, writeAs, type CliChain } from "./helpers.ts";

const ETH = "0x0000000000000000000000000000000000000000";
const USER = 2;

describe("pennypost deposit, session and show --verify (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let user: Address;
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    chain.anvil.client.readContract({ address: chain.pennyPost, abi: pennyPostAbi, functionName, args } as never) as Promise<T>;

  before(async () => {
    chain = await startCliChain();
    user = chain.address(USER);
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  it("deposits ETH and PPTEST (approving first) and prints the deposit", async () => {
    const eth = await pennypost(chain, ["deposit", "--amount", "0.05"], { as: USER });
    assert.equal(eth.status, 0, eth.stderr);
    assert.equal(field(eth.stdout, "deposited"), "0.05 ETH");
    assert.equal(field(eth.stdout, "deposit now"), "0.05 ETH");
    assert.equal(await read<bigint>("depositOf", [user, ETH]), parseEther("0.05"));

    const token = await pennypost(chain, ["deposit", "--amount", "3", "--token", "PPTEST"], { as: USER });
    assert.equal(token.status, 0, token.stderr);
    assert.match(field(token.stdout, "approved"), /^3 PPTEST for PennyPost/);
    assert.equal(field(token.stdout, "deposit now"), "3 PPTEST");
    assert.equal(await read<bigint>("depositOf", [user, chain.testToken]), parseEther("3"));
  });

  it("refuses to deposit more tokens than the account holds, before sending anything", async () => {
    const strangerKey = generatePrivateKey();
    const stranger = privateKeyToAccount(strangerKey);
    await chain.anvil.wallet(0).sendTransaction({ account: chain.anvil.accounts[0], to: stranger.address, value: parseEther("1"), chain: undefined });
    const result = await pennypost(chain, ["deposit", "--amount", "1", "--token", "PPTEST"], { as: strangerKey });
    assertFails(result, /holds 0 PPTEST/);
    assert.equal(await chain.anvil.client.getTransactionCount({ address: stranger.address }), 0, "nothing was sent");
  });

  it("starts a withdrawal, refuses to complete it before the delay, completes it after", async () => {
    const request = await pennypost(chain, ["deposit", "--withdraw", "--amount", "0.02"], { as: USER });
    assert.equal(request.status, 0, request.stderr);
    assert.equal(field(request.stdout, "requested"), "0.02 ETH");
    assertFails(await pennypost(chain, ["deposit", "--complete"], { as: USER }), /unlocks at .* run this again after that/);
    await chain.anvil.client.request({ method: "evm_increaseTime" as never, params: [3600] as never });
    await chain.anvil.client.request({ method: "evm_mine" as never, params: [] as never });
    const before = await chain.anvil.client.getBalance({ address: user });
    const done = await pennypost(chain, ["deposit", "--complete"], { as: USER });
    assert.equal(done.status, 0, done.stderr);
    assert.equal(field(done.stdout, "withdrew"), "0.02 ETH of 0.02 ETH requested");
    assert.equal(field(done.stdout, "deposit now"), "0.03 ETH");
    const receipt = await chain.anvil.client.getTransactionReceipt({ hash: field(done.stdout, "tx") as Hex });
    assert.equal(await chain.anvil.client.getBalance({ address: user }), before + parseEther("0.02") - receipt.gasUsed * receipt.effectiveGasPrice);
    assertFails(await pennypost(chain, ["deposit", "--complete"], { as: USER }), /no pending withdrawal/);
  });

  it("authorizes a session key with a cap and an expiry, then revokes it", async () => {
    const key = privateKeyToAccount(generatePrivateKey()).address;
    const result = await pennypost(chain, ["session", "--key", key, "--cap", "0.001", "--hours", "2"], { as: USER });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(field(result.stdout, "cap"), "0.001 ETH in total");
    const [cap, spent, expiry] = await read<[bigint, bigint, bigint]>("session", [user, key, ETH]);
    const now = (await chain.anvil.client.getBlock()).timestamp;
    assert.equal(cap, parseEther("0.001"));
    assert.equal(spent, 0n);
    assert.ok(expiry > now + 7100n && expiry <= now + 7200n, `expiry ${expiry}, now ${now}`);

    const revoked = await pennypost(chain, ["session", "--key", key, "--revoke"], { as: USER });
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.deepEqual(await read<[bigint, bigint, bigint]>("session", [user, key, ETH]), [0n, 0n, 0n]);
  });

  it("refuses bad session options with what to do", async () => {
    assertFails(await pennypost(chain, ["session", "--cap", "1"], { as: USER }), /--key 0x/);
    assertFails(await pennypost(chain, ["session", "--key", "0x1234", "--cap", "1"], { as: USER }), /--key/);
    const key = privateKeyToAccount(generatePrivateKey()).address;
    assertFails(await pennypost(chain, ["session", "--key", key, "--cap", "1", "--hours", "0"], { as: USER }), /--hours must be a whole number of hours from 1 to 168/);
  });

  describe("show: an anchored post with its proof", () => {
    let api: RunningServer;
    let firstPostId: bigint;
    const content = (i: number) => `anchored from the CLI test #${i}`;

    before(async () => {
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "setSequencer", args: [chain.address(0), true] });
      const chainId = await chain.anvil.client.getChainId();
      const domain = pennyPostDomain(chainId, chain.pennyPost);
      const author = privateKeyToAccount(chain.key(USER));
      const posts = await Promise.all([1, 2, 3, 4, 5].map((i) =>
        signAnchoredPost(author, domain, { author: author.address, parentId: 0n, content: content(i), seq: BigInt(i), cumulativeFee: BigInt(i) * 10n ** 13n })));
      firstPostId = (await read<bigint>("postCount", [])) + 1n;
      const data = encodeAnchorData(posts);
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "anchor", args: [buildAnchorTree(posts).root, 5n, data] });
      api = await startApi(chain);
      await untilIndexed(chain, api);
    });
    after(async () => {
      await api.stop();
    });

    it("prints the batch, the root and a proof that leads to it; --verify checks it against the chain", async () => {
      const id = String(firstPostId + 2n);
      const shown = await pennypost(undefined, ["show", "--post", id, "--api", api.url]);
      assert.equal(shown.status, 0, shown.stderr);
      assert.match(field(shown.stdout, "mode"), /^anchored-calldata/);
      assert.match(field(shown.stdout, "batch"), new RegExp(`^#1: posts #${firstPostId}\\.\\.#${firstPostId + 4n}`));
      assert.match(field(shown.stdout, "proof"), /^[23] hashes: they lead from this post to the root above$/);
      assert.match(shown.stdout, /anchored from the CLI test #3/);
      // Seq 3 signed 0.00003 ETH of running totals, seq 2 0.00002: this post cost 0.00001.
      assert.equal(field(shown.stdout, "fee paid"), "0.00001 ETH (signed: 0.00003 ETH of anchored fees through this post, seq 3; taken from the deposit when the relayer settles)");

      const verified = await pennypost(undefined, ["show", "--post", id, "--api", api.url, "--verify", "--network", "custom"], {
        env: { PENNYPOST_RPC_URL: chain.anvil.url, PENNYPOST_DEPLOYER_KEY: chain.key(0) },
      });
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /VERDICT: VERIFIED/);
    });

    // issue 16: through a proxy that changed only the author and the parent, show --verify printed
    // VERDICT: VERIFIED and exited 0, and a voucher tip credited the proxy's author.
    it("--verify through an index that lies about the author and the parent: NOT VERIFIED, exit 1, says so", async () => {
      const liar = await lyingApi(api.url, { body: (path, body) => { LIES.author!.body(path, body); LIES.parent!.body(path, body); } });
      try {
        const id = String(firstPostId + 1n);
        const shown = await pennypost(undefined, ["show", "--post", id, "--api", liar.url]);
        assert.equal(shown.status, 0, shown.stderr);
        assert.match(field(shown.stdout, "proof"), /THEY DO NOT lead from this post to the root above/);
        const result = await pennypost(undefined, ["show", "--post", id, "--api", liar.url, "--verify", "--network", "custom"], {
          env: { PENNYPOST_RPC_URL: chain.anvil.url, PENNYPOST_DEPLOYER_KEY: chain.key(0) },
        });
        assert.equal(result.status, 1, result.stdout);
        assert.match(result.stdout, /FAIL +author: the post's author is the proven leaf's/);
        assert.match(result.stdout, /FAIL +parent: the post's parent is the proven leaf's/);
        assert.match(result.stdout, /VERDICT: NOT VERIFIED/);
        assert.match(result.stderr, new RegExp(`the index at ${liar.url} served post #${id} with what the chain does not prove \\(author, parent, .*\\): do not trust this index`));
      } finally {
        await liar.close();
      }
    });

    it("a voucher or batched tip on an anchored post is not signed when the index lies about its author", async () => {
      const liar = await lyingApi(api.url, LIES.author!);
      try {
        const id = String(firstPostId + 3n);
        const before = await read<[bigint, Hex]>("voucherState", [user, ETH]);
        for (const via of ["voucher", "batched"]) {
          assertFails(await pennypost(chain, ["tip", "--post", id, "--amount", "0.0001", "--via", via, "--api", liar.url], { as: USER }),
            new RegExp(`serves post #${id} with what the chain does not prove \\(author.*\\): no tip was signed`));
        }
        assert.deepEqual(await read<[bigint, Hex]>("voucherState", [user, ETH]), before, "nothing settled");
        const relay = await fetch(`${api.url}/v1/accounts/${user}/relay`).then((r) => r.json()) as { data: { nextNonce: string } };
        assert.equal(relay.data.nextNonce, String(await read<bigint>("nonces", [user])), "the relayer holds no action of the user");
      } finally {
        await liar.close();
      }
    });

    it("a post of a hash-mode batch whose data the index lacks: show says so and names the batch (not 'no post')", async () => {
      const first = (await read<bigint>("postCount", [])) + 1n;
      const root = `0x${"ab".repeat(32)}` as Hex;
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "anchorHash", args: [root, 2n, root] });
      const batchId = await read<bigint>("anchorCount", []);
      await untilIndexed(chain, api);
      for (const id of [first, first + 1n]) {
        assertFails(await pennypost(undefined, ["show", "--post", String(id), "--api", api.url]),
          new RegExp(`cannot serve /v1/posts/${id}: post ${id} is in anchored batch ${batchId} \\(hash mode\\), whose data this index does not have`));
      }
      assertFails(await pennypost(undefined, ["show", "--post", String(first + 2n), "--api", api.url]), /has no post #\d+/);
    });

    it("--verify on a direct post says its Posted event is its proof", async () => {
      await writeAs(chain, USER, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, "direct"], value: 10n ** 13n });
      await untilIndexed(chain, api);
      const id = String(await read<bigint>("postCount", []));
      const result = await pennypost(undefined, ["show", "--post", id, "--api", api.url, "--verify", "--network", "custom"], {
        env: { PENNYPOST_RPC_URL: chain.anvil.url, PENNYPOST_DEPLOYER_KEY: chain.key(0) },
      });
      assert.equal(result.status, 1);
      assert.match(result.stderr, /is a direct post: its Posted event in tx 0x[0-9a-f]{64} is its proof/);
    });
  });

  describe("post and tip --via the relayer", () => {
    let api: RunningServer;
    before(async () => {
      api = await startApi(chain);
    });
    after(async () => {
      await api.stop();
    });

    for (const via of ["batched", "anchored-calldata", "anchored-hash"] as const) {
      it(`post --via ${via}: signs, the relayer carries it, and it is indexed in that mode`, async () => {
        const before = await read<bigint>("depositOf", [user, ETH]);
        const result = await pennypost(chain, ["post", "--text", `via ${via}`, "--via", via, "--api", api.url], { as: USER });
        assert.equal(result.status, 0, result.stderr);
        const id = field(result.stdout, "post").slice(1);
        assert.match(field(result.stdout, "mode"), new RegExp(`^${via}, through the relayer`));
        await untilIndexed(chain, api);
        const post = ((await (await fetch(`${api.url}/v1/posts/${id}`)).json()) as { data: { mode: string; content: string; author: string } }).data;
        assert.deepEqual([post.mode, post.content, post.author], [via, `via ${via}`, user.toLowerCase()]);
        if (via === "batched") assert.equal(await read<bigint>("depositOf", [user, ETH]), before - 10n ** 13n);
      });
    }

    for (const via of ["batched", "voucher"] as const) {
      it(`tip --via ${via}: paid from the deposit, the author credited`, async () => {
        const author = chain.address(1);
        await writeAs(chain, 1, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "post", args: [0n, `tip me via ${via}`], value: 10n ** 13n });
        await untilIndexed(chain, api);
        const postId = String(await read<bigint>("postCount", []));
        const owed = await read<bigint>("owed", [author, ETH]);
        const result = await pennypost(chain, ["tip", "--post", postId, "--amount", "0.0001", "--via", via, "--api", api.url], { as: USER });
        assert.equal(result.status, 0, result.stderr);
        assert.match(field(result.stdout, "mode"), new RegExp(`^${via}, through the relayer`));
        assert.equal(await read<bigint>("owed", [author, ETH]), owed + parseEther("0.0001") - parseEther("0.0001") * 250n / 10_000n);
      });
    }

    it("tip on a batched post: the author is checked against its Posted event before signing; a lying index gets nothing signed", async () => {
      const posted = await pennypost(chain, ["post", "--text", "batched, then tipped", "--via", "batched", "--api", api.url], { as: USER });
      assert.equal(posted.status, 0, posted.stderr);
      const id = field(posted.stdout, "post").slice(1);
      await untilIndexed(chain, api);
      const liar = await lyingApi(api.url, LIES.author!);
      try {
        const nonce = await read<bigint>("nonces", [chain.address(1)]);
        assertFails(await pennypost(chain, ["tip", "--post", id, "--amount", "0.0001", "--via", "batched", "--api", liar.url], { as: 1 }),
          new RegExp(`serves post #${id} with an author its Posted event in tx 0x[0-9a-f]{64} does not name: no tip was signed`));
        assert.equal(await read<bigint>("nonces", [chain.address(1)]), nonce);
      } finally {
        await liar.close();
      }
      const owed = await read<bigint>("owed", [user, ETH]);
      await writeAs(chain, 0, { address: chain.pennyPost, abi: pennyPostAbi, functionName: "deposit", args: [chain.address(1)], value: parseEther("0.01") });
      const honest = await pennypost(chain, ["tip", "--post", id, "--amount", "0.0001", "--via", "voucher", "--api", api.url], { as: 1 });
      assert.equal(honest.status, 0, honest.stderr);
      assert.equal(await read<bigint>("owed", [user, ETH]), owed + parseEther("0.0001") - parseEther("0.0001") * 250n / 10_000n, "the proven author is credited");
    });

    it("refuses an unknown --via, and says to deposit first when the deposit is short", async () => {
      assertFails(await pennypost(chain, ["post", "--text", "x", "--via", "carrier-pigeon", "--api", api.url], { as: USER }), /--via must be direct/);
      const broke = generatePrivateKey();
      await chain.anvil.wallet(0).sendTransaction({ account: chain.anvil.accounts[0], to: privateKeyToAccount(broke).address, value: parseEther("1"), chain: undefined });
      assertFails(await pennypost(chain, ["post", "--text", "x", "--via", "batched", "--api", api.url], { as: broke }), /deposit first: `.\/pennypost deposit --amount 0.001 --network custom --deployment \S+`$/);
    });
  });
});
