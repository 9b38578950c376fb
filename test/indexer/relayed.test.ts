/**
 * The relayed write modes through the real indexer: a Hardhat (EDR) chain with PennyPost, batches,
 * vouchers and anchored batches made with lib/relayed.ts, the follower into a real LevelDB, and the
 * real API over HTTP. Proofs are checked against the root read from the chain.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import { processProof } from "@openzeppelin/merkle-tree/dist/core.js";
import { network } from "hardhat";
import { after, before, describe, it } from "mocha";
import { Registry } from "prom-client";
import { createWalletClient, custom, keccak256, parseEther, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import {
  buildAnchorTree,
  contentHash,
  encodeAnchorData,
  verifyAnchorProof,
  type AnchoredPost,
} from "../../lib/anchored.ts";
import {
  ETH,
  extendVoucher,
  pennyPostDomain,
  signAnchoredPost,
  signPost,
  signTip,
  signVoucher,
  ZERO_HASH,
  type PennyPostDomain,
} from "../../lib/relayed.ts";
import { createApp } from "../../server/api/app.ts";
import { AnchorProof, Batch, PostView, Tip, envelope } from "../../server/api/models.ts";
import { createEventHub, publishIngested, streamEventId, type StreamEvent } from "../../server/api/hub.ts";
import { initialStatus } from "../../server/api/status.ts";
import type { AccountRecord, AnchorDataSource, ProtocolEvent, ProtocolRecord } from "../../server/domain.ts";
import { keys } from "../../server/store/keys.ts";
import type { LevelStore } from "../../server/store/level-store.ts";
import { getJson, problemCode, testConfig } from "../api/helpers.ts";
import { createFollower } from "../../server/chain/follower.ts";
import { followerConfig, freshDump, openIndexer, removeTempDirs, silentLogger } from "./helpers.ts";

const FEE = 10n ** 13n;
const FAR = 2n ** 40n;

/** A real API over `store`, listening on an ephemeral loopback port. */
async function serve(store: LevelStore): Promise<{ url: string; close: () => Promise<void> }> {
  const app = createApp({
    store, status: () => ({ ...initialStatus(), ready: true }), events: createEventHub(), registry: new Registry(), logger: silentLogger,
    config: testConfig({ finalityDepth: 0 }),
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The hash-mode data the sequencer keeps: a map from data hash to data. */
class SequencerStore implements AnchorDataSource {
  readonly data = new Map<string, Hex>();
  async get(dataHash: Hex): Promise<Hex | undefined> {
    return this.data.get(dataHash.toLowerCase());
  }
}

describe("indexer: relayed modes (Hardhat network, real LevelDB and HTTP)", function () {
  this.timeout(120_000);
  let viem: Awaited<ReturnType<typeof network.create>>["viem"];
  let provider: Awaited<ReturnType<typeof network.create>>["provider"];
  let client: PublicClient;
  let wallets: Awaited<ReturnType<typeof viem.getWalletClients>>;
  let pennyPost: Awaited<ReturnType<typeof viem.deployContract<"PennyPost">>>;
  let domain: PennyPostDomain;
  let authors: PrivateKeyAccount[];
  const sequencerData = new SequencerStore();
  const nonces = new Map<Address, bigint>();
  const seqs = new Map<Address, bigint>();

  const nextNonce = (account: Address) => {
    const n = nonces.get(account) ?? 0n;
    nonces.set(account, n + 1n);
    return n;
  };
  async function mined(hash: Hex) {
    const receipt = await client.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, "success");
    return receipt;
  }
  const postCount = () => client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "postCount" });
  const anchorCount = () => client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "anchorCount" });
  async function onChainRoot(batchId: bigint): Promise<Hex> {
    const [root] = await client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "anchorOf", args: [batchId] });
    return root;
  }

  /** Signs `count` anchored posts, round-robin over `signers` (author i signs, or `signer` for it). */
  async function anchoredPosts(count: number, tag: string, options: { signer?: (author: PrivateKeyAccount) => PrivateKeyAccount; parentId?: bigint } = {}) {
    const posts: AnchoredPost[] = [];
    for (let i = 0; i < count; i++) {
      const author = authors[i % authors.length];
      const seq = (seqs.get(author.address) ?? 0n) + 1n;
      seqs.set(author.address, seq);
      const signer = options.signer?.(author) ?? author;
      posts.push(await signAnchoredPost(signer, domain, {
        author: author.address, parentId: options.parentId ?? 0n, content: `${tag} ${i} ✓`, seq, cumulativeFee: seq * FEE,
      }));
    }
    return posts;
  }
  /** Anchors `posts` in calldata mode (or hash mode, keeping the data in the sequencer's store); returns the batch id. */
  async function anchor(posts: AnchoredPost[], mode: "calldata" | "hash", options: { root?: Hex; keep?: boolean } = {}) {
    const first = (await postCount()) + 1n;
    const root = options.root ?? (buildAnchorTree(posts).root as Hex);
    const data = encodeAnchorData(posts);
    if (mode === "hash" && options.keep !== false) sequencerData.data.set(keccak256(data), data);
    await mined(mode === "calldata"
      ? await pennyPost.write.anchor([root, BigInt(posts.length), data])
      : await pennyPost.write.anchorHash([root, BigInt(posts.length), keccak256(data)]));
    return { batchId: await anchorCount(), first };
  }

  before(async () => {
    ({ viem, provider } = await network.create());
    client = (await viem.getPublicClient()) as unknown as PublicClient;
    wallets = await viem.getWalletClients();
    const owner = wallets[0].account.address;
    pennyPost = await viem.deployContract("PennyPost", [owner, owner, FEE, 250n]);
    domain = pennyPostDomain(await client.getChainId(), pennyPost.address);
    authors = Array.from({ length: 3 }, () => privateKeyToAccount(generatePrivateKey()));
    for (const a of authors) await mined(await pennyPost.write.deposit([a.address], { value: parseEther("1") }));
    await mined(await pennyPost.write.setSequencer([owner, true]));
  });
  after(removeTempDirs);

  describe("batched posts and tips, voucher tips", () => {
    let store: LevelStore;
    let api: { url: string; close: () => Promise<void> };
    let firstBatched: bigint;
    const relayer = () => wallets[1];

    before(async () => {
      // A direct post to tip, then a relayer's batch of 3 posts and 1 tip, then a voucher of 2 tips.
      await mined(await pennyPost.write.post([0n, "direct"], { value: FEE }));
      const direct = await postCount();
      firstBatched = direct + 1n;
      const posts = [];
      for (let i = 0; i < 3; i++) {
        const author = authors[i];
        posts.push(await signPost(author, domain, { author: author.address, parentId: i === 2 ? direct : 0n, content: `batched ${i}`, maxFee: FEE, nonce: nextNonce(author.address), deadline: FAR }));
      }
      const tipper = authors[0];
      const tip = await signTip(tipper, domain, {
        tipper: tipper.address, postId: firstBatched + 1n, author: authors[1].address, asset: ETH, amount: 1_000_000n, nonce: nextNonce(tipper.address), deadline: FAR,
      });
      const asRelayer = await viem.getContractAt("PennyPost", pennyPost.address, { client: { wallet: relayer() } });
      await mined(await asRelayer.write.submitBatch([posts, [tip]]));

      const tips = [
        { postId: firstBatched, author: authors[0].address, amount: 3_000_000n },
        { postId: direct, author: wallets[0].account.address, amount: 5_000_000n },
      ];
      const state = extendVoucher({ cumulativeAmount: 0n, tipsHash: ZERO_HASH }, tips);
      const voucher = await signVoucher(authors[2], domain, { tipper: authors[2].address, asset: ETH, ...state });
      await mined(await pennyPost.write.settleVouchers([[{ ...voucher, tips }]]));

      ({ store } = await openIndexer(client, pennyPost.address).then(async (indexer) => {
        await indexer.follower.syncOnce();
        return indexer;
      }));
      api = await serve(store);
    });
    after(async () => {
      await api.close();
      await store.close();
    });

    it("serves the batch's posts with mode batched, and the direct post with mode direct", async () => {
      const feed = await getJson(`${api.url}/v1/posts?limit=100`);
      envelope(PostView.array(), true).parse(feed.body);
      const byId = new Map(feed.body.data.map((post: { id: string; mode: string }) => [post.id, post.mode]));
      for (let i = 0n; i < 3n; i++) assert.equal(byId.get((firstBatched + i).toString()), "batched");
      assert.equal(byId.get((firstBatched - 1n).toString()), "direct");
    });

    it("serves the batch's tip with mode batched and the voucher's tips with mode voucher", async () => {
      const batchedTips = await getJson(`${api.url}/v1/posts/${firstBatched + 1n}/tips`);
      envelope(Tip.array(), true).parse(batchedTips.body);
      assert.deepEqual(batchedTips.body.data.map((tip: { mode: string }) => tip.mode), ["batched"]);
      const voucherTips = await getJson(`${api.url}/v1/posts/${firstBatched}/tips`);
      assert.deepEqual(voucherTips.body.data.map((tip: { mode: string; amount: string }) => [tip.mode, tip.amount]), [["voucher", "3000000"]]);
      const onDirect = await getJson(`${api.url}/v1/posts/${firstBatched - 1n}/tips`);
      assert.deepEqual(onDirect.body.data.map((tip: { mode: string }) => tip.mode), ["voucher"]);
    });

    it("counts relayed posts and tips in totals and leaderboards, and credits the relayer the batch's fees as the chain does", async () => {
      const top = await getJson(`${api.url}/v1/leaderboards/posts`);
      const totals = new Map(top.body.data.map((row: { postId: string; total: string }) => [row.postId, row.total]));
      assert.equal(totals.get(firstBatched.toString()), "3000000");
      assert.equal(totals.get((firstBatched + 1n).toString()), "1000000");
      const author = await getJson(`${api.url}/v1/authors/${authors[2].address}`);
      assert.equal(author.body.data.posts, 1);
      assert.equal(author.body.data.tipsSent, 2);
      const parent = await getJson(`${api.url}/v1/posts/${firstBatched - 1n}`);
      assert.equal(parent.body.data.stats.replies, 1, "the batched reply counts");

      for (const account of [relayer().account.address, authors[0].address, authors[1].address, wallets[0].account.address]) {
        const onChain = await client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "owed", args: [account, ETH] });
        const indexed = await store.get<AccountRecord>(keys.account(account));
        assert.equal(indexed?.owed[ETH] ?? "0", onChain.toString(), `owed of ${account}`);
      }
      assert.equal((await store.get<AccountRecord>(keys.account(relayer().account.address)))?.owed[ETH], (3n * FEE).toString());
      const protocol = await store.get<ProtocolRecord>(keys.protocol);
      const feesOwed = await client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "feesOwed", args: [ETH] });
      assert.equal(protocol?.feesOwed[ETH], feesOwed.toString(), "treasury fees: the direct post's fee and the tip fees, not the batch's post fees");
    });
  });

  describe("anchored batches", () => {
    let calldataBatch: { batchId: bigint; first: bigint; posts: AnchoredPost[] };
    let secondBatch: { batchId: bigint; first: bigint; posts: AnchoredPost[] };
    let hashBatch: { batchId: bigint; first: bigint; posts: AnchoredPost[] };
    let forgedRootBatch: { batchId: bigint; first: bigint };
    let badSignatureBatch: { batchId: bigint; first: bigint; posts: AnchoredPost[] };
    let sessionKey: PrivateKeyAccount;
    let store: LevelStore;
    let api: { url: string; close: () => Promise<void> };

    before(async () => {
      // authors[0] lets a session key sign for it in ETH; the calldata batch holds posts of all three.
      sessionKey = privateKeyToAccount(generatePrivateKey());
      await mined(await wallets[0].sendTransaction({ to: authors[0].address, value: parseEther("1") }));
      const author0Wallet = createWalletClient({ account: authors[0], transport: custom(provider) });
      const now = (await client.getBlock()).timestamp;
      await mined(await author0Wallet.writeContract({
        address: pennyPost.address, abi: pennyPost.abi, functionName: "authorizeSession", args: [sessionKey.address, ETH, parseEther("1"), now + 3600n], chain: null,
      }));

      const posts = await anchoredPosts(9, "calldata", { signer: (author) => (author.address === authors[0].address ? sessionKey : author) });
      calldataBatch = { ...(await anchor(posts, "calldata")), posts };
      const more = await anchoredPosts(5, "second", { parentId: calldataBatch.first });
      secondBatch = { ...(await anchor(more, "calldata")), posts: more };
      const kept = await anchoredPosts(4, "hash");
      hashBatch = { ...(await anchor(kept, "hash")), posts: kept };
      const other = await anchoredPosts(3, "forged root");
      // The root of the same posts in another order: the data does not match it.
      forgedRootBatch = await anchor(other, "calldata", { root: buildAnchorTree([...other].reverse()).root as Hex });
      const stranger = privateKeyToAccount(generatePrivateKey());
      // Post 1 of this batch is signed by a stranger, not by its author nor a session key.
      const mixed = await anchoredPosts(3, "mixed", { signer: (author) => (author.address === authors[1].address ? stranger : author) });
      badSignatureBatch = { ...(await anchor(mixed, "calldata")), posts: mixed };

      const indexer = await openIndexer(client, pennyPost.address);
      await indexer.follower.syncOnce();
      store = indexer.store;
      api = await serve(store);
    });
    after(async () => {
      await api.close();
      await store.close();
    });

    it("indexes every post of a calldata batch with mode anchored-calldata, including those a session key signed", async () => {
      for (let i = 0; i < calldataBatch.posts.length; i++) {
        const res = await getJson(`${api.url}/v1/posts/${calldataBatch.first + BigInt(i)}`);
        assert.equal(res.status, 200);
        envelope(PostView, false).parse(res.body);
        const post = res.body.data;
        assert.equal(post.mode, "anchored-calldata");
        assert.equal(post.batchId, calldataBatch.batchId.toString());
        assert.equal(post.signatureValid, true);
        assert.equal(post.content, calldataBatch.posts[i].content);
        assert.equal(post.author, calldataBatch.posts[i].author.toLowerCase());
      }
      const replies = await getJson(`${api.url}/v1/posts/${calldataBatch.first}/replies`);
      assert.equal(replies.body.data.length, secondBatch.posts.length, "the second batch's posts reply to the first's first post");
      const batch = await getJson(`${api.url}/v1/batches/${calldataBatch.batchId}`);
      Batch.parse(batch.body.data);
      assert.equal(batch.body.data.status, "valid");
      assert.equal(batch.body.data.posts, 9);
    });

    it("serves each anchored post's fee as what its author paid: its signed cumulativeFee minus the author's previous anchored post's", async () => {
      // Each author signs running totals seq * FEE: every post, in the first batch or the next, costs FEE.
      for (const { first, posts } of [calldataBatch, secondBatch]) {
        for (let i = 0; i < posts.length; i++) {
          const { body } = await getJson(`${api.url}/v1/posts/${first + BigInt(i)}`);
          assert.equal(body.data.signed.cumulativeFee, posts[i].cumulativeFee.toString());
          assert.equal(body.data.fee, FEE.toString(), `post #${first + BigInt(i)} (seq ${posts[i].seq})`);
        }
      }
    });

    it("serves proofs that verify against the root on chain, off chain and with verifyAnchoredPost", async () => {
      for (const { batchId, first, posts } of [calldataBatch, secondBatch]) {
        const root = await onChainRoot(batchId);
        for (let i = 0; i < posts.length; i++) {
          const res = await getJson(`${api.url}/v1/posts/${first + BigInt(i)}/proof`);
          assert.equal(res.status, 200);
          const { data } = envelope(AnchorProof, false).parse(res.body);
          assert.equal(data.root, root);
          assert.equal(data.leaf.contentHash, contentHash(posts[i].content));
          const leaf = [BigInt(data.leaf.index), data.leaf.author as Address, BigInt(data.leaf.parentId), data.leaf.contentHash as Hex] as const;
          assert.equal(verifyAnchorProof(root, [...leaf], data.proof as Hex[]), true);
          assert.equal(await client.readContract({
            address: pennyPost.address, abi: pennyPost.abi, functionName: "verifyAnchoredPost", args: [batchId, BigInt(data.leaf.postId), leaf[1], leaf[2], leaf[3], data.proof as Hex[]],
          }), true);
          assert.equal(data.signed.signature, posts[i].signature.toLowerCase());
        }
      }
    });

    it("rejects a forged proof, an internal node passed as a leaf, and a proof against another batch's root", async () => {
      const { batchId, first } = calldataBatch;
      const res = await getJson(`${api.url}/v1/posts/${first}/proof`);
      const { data } = envelope(AnchorProof, false).parse(res.body);
      const root = await onChainRoot(batchId);
      const leaf = [BigInt(data.leaf.index), data.leaf.author as Address, BigInt(data.leaf.parentId), data.leaf.contentHash as Hex] as const;
      const proof = data.proof as Hex[];
      const verifyOnChain = (id: bigint, p: Hex[]) =>
        client.readContract({ address: pennyPost.address, abi: pennyPost.abi, functionName: "verifyAnchoredPost", args: [id, BigInt(data.leaf.postId), leaf[1], leaf[2], leaf[3], p] });

      const forged = proof.map((sibling, i) => (i === 1 ? (`0x${(BigInt(sibling) ^ 1n).toString(16).padStart(64, "0")}` as Hex) : sibling));
      assert.equal(verifyAnchorProof(root, [...leaf], forged), false);
      assert.equal(await verifyOnChain(batchId, forged), false);

      // The leaf's parent is an internal node on the path to the root...
      const internal = processProof(data.leafHash, [proof[0]]);
      assert.equal(processProof(internal, proof.slice(1)), root);
      // ...but the post's fields with the shortened proof do not verify: leaves are hashed twice.
      assert.equal(verifyAnchorProof(root, [...leaf], proof.slice(1)), false);
      assert.equal(await verifyOnChain(batchId, proof.slice(1)), false);
      assert.equal(await client.readContract({
        address: pennyPost.address, abi: pennyPost.abi, functionName: "verifyAnchoredPost",
        args: [batchId, BigInt(internal), leaf[1], leaf[2], leaf[3], proof.slice(1)],
      }), false);

      const otherRoot = await onChainRoot(secondBatch.batchId);
      assert.equal(verifyAnchorProof(otherRoot, [...leaf], proof), false);
      assert.equal(await verifyOnChain(secondBatch.batchId, proof), false);
    });

    it("answers a direct post's proof with 409 not_anchored and an unknown post's with 404 post_not_found", async () => {
      const direct = await getJson(`${api.url}/v1/posts/1/proof`);
      assert.equal(direct.status, 409);
      assert.equal(problemCode(direct), "not_anchored");
      const unknown = await getJson(`${api.url}/v1/posts/999999/proof`);
      assert.equal(unknown.status, 404);
      assert.equal(problemCode(unknown), "post_not_found");
      const noBatch = await getJson(`${api.url}/v1/batches/999`);
      assert.equal(noBatch.status, 404);
      assert.equal(problemCode(noBatch), "batch_not_found");
    });

    it("marks a batch whose root does not match its data invalid and indexes none of its posts", async () => {
      const batch = await getJson(`${api.url}/v1/batches/${forgedRootBatch.batchId}`);
      assert.equal(batch.body.data.status, "invalid");
      assert.match(batch.body.data.reason, /root/);
      assert.equal(batch.body.data.posts, 0);
      for (let i = 0n; i < 3n; i++) assert.equal((await getJson(`${api.url}/v1/posts/${forgedRootBatch.first + i}`)).status, 404);
    });

    it("flags a post whose signature is not its author's and keeps it out of the feed and the author's posts", async () => {
      const badId = badSignatureBatch.first + 1n;
      const res = await getJson(`${api.url}/v1/posts/${badId}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.signatureValid, false);
      const feed = await getJson(`${api.url}/v1/posts?limit=100`);
      const ids = feed.body.data.map((post: { id: string }) => post.id);
      assert.ok(!ids.includes(badId.toString()), "hidden from the feed");
      assert.ok(ids.includes((badId - 1n).toString()) && ids.includes((badId + 1n).toString()), "its batch neighbours are listed");
      const byAuthor = await getJson(`${api.url}/v1/authors/${authors[1].address}/posts?limit=100`);
      assert.ok(!byAuthor.body.data.some((post: { id: string }) => post.id === badId.toString()));
      const batch = await getJson(`${api.url}/v1/batches/${badSignatureBatch.batchId}`);
      assert.deepEqual([batch.body.data.posts, batch.body.data.hidden], [2, 1]);
    });

    it("rebuilds every calldata-mode post and proof from the chain alone in a fresh index; hash mode needs the sequencer's data", async () => {
      const again = await openIndexer(client, pennyPost.address);
      await again.follower.syncOnce();
      const fresh = await serve(again.store);
      try {
        for (const { first, posts } of [calldataBatch, secondBatch]) {
          for (let i = 0; i < posts.length; i++) {
            const path = `/v1/posts/${first + BigInt(i)}/proof`;
            const [a, b] = await Promise.all([getJson(`${api.url}${path}`), getJson(`${fresh.url}${path}`)]);
            assert.deepEqual(b.body.data, a.body.data);
          }
        }
        // Without a data source, the hash-mode batch has its ids reserved and no posts.
        const hashSummary = await getJson(`${fresh.url}/v1/batches/${hashBatch.batchId}`);
        assert.equal(hashSummary.body.data.status, "dataUnavailable");
        // Each of its posts answers data_unavailable with the batch, not "no post" (issue 16, finding 5).
        for (let i = 0; i < hashBatch.posts.length; i++) {
          const id = hashBatch.first + BigInt(i);
          for (const path of [`/v1/posts/${id}`, `/v1/posts/${id}/proof`, `/v1/posts/${id}/tips`, `/v1/posts/${id}/replies`]) {
            const res = await getJson(`${fresh.url}${path}`);
            assert.equal(res.status, 404, path);
            assert.equal(res.body.code, "data_unavailable", path);
            assert.equal(res.body.batchId, hashBatch.batchId.toString(), path);
            assert.match(res.body.detail, new RegExp(`post ${id} is in anchored batch ${hashBatch.batchId} \\(hash mode\\), whose data this index does not have`));
          }
        }
        const past = await getJson(`${fresh.url}/v1/posts/${10n ** 9n}`);
        assert.deepEqual([past.status, past.body.code], [404, "not_found"], "an id no post has is still not_found");
      } finally {
        await fresh.close();
        await again.store.close();
      }

      // With the sequencer's data, the same batch is indexed and proven.
      const withData = await openIndexer(client, pennyPost.address);
      const follower = createFollower({ client, store: withData.store, logger: silentLogger, config: followerConfig(pennyPost.address), anchorData: sequencerData });
      await follower.syncOnce();
      const served = await serve(withData.store);
      try {
        const summary = await getJson(`${served.url}/v1/batches/${hashBatch.batchId}`);
        assert.equal(summary.body.data.status, "valid");
        assert.equal(summary.body.data.mode, "anchored-hash");
        const root = await onChainRoot(hashBatch.batchId);
        for (let i = 0; i < hashBatch.posts.length; i++) {
          const res = await getJson(`${served.url}/v1/posts/${hashBatch.first + BigInt(i)}/proof`);
          const { data } = envelope(AnchorProof, false).parse(res.body);
          assert.equal(verifyAnchorProof(root, [BigInt(data.leaf.index), data.leaf.author as Address, BigInt(data.leaf.parentId), data.leaf.contentHash as Hex], data.proof as Hex[]), true);
          assert.equal((await getJson(`${served.url}/v1/posts/${hashBatch.first + BigInt(i)}`)).body.data.mode, "anchored-hash");
        }
      } finally {
        await served.close();
        await withData.store.close();
      }
    });

    it("publishes a valid batch's listed posts on the live stream, each with its own id, and not its hidden one", async () => {
      const indexer = await openIndexer(client, pennyPost.address);
      const committed: ProtocolEvent[] = [];
      const follower = createFollower({
        client, store: indexer.store, logger: silentLogger, config: followerConfig(pennyPost.address), hooks: { onCommit: (events) => committed.push(...events) },
      });
      await follower.syncOnce();
      const hub = createEventHub();
      const seen: StreamEvent[] = [];
      hub.subscribe((event) => seen.push(event));
      await publishIngested(hub, indexer.store, committed);
      const posts = seen.filter((event) => event.type === "post").map((event) => event.data.id);
      for (const { first, posts: batch } of [calldataBatch, secondBatch]) {
        for (let i = 0n; i < BigInt(batch.length); i++) assert.ok(posts.includes((first + i).toString()));
      }
      assert.ok(!posts.includes((badSignatureBatch.first + 1n).toString()), "the hidden post is not streamed");
      assert.ok(!posts.includes(forgedRootBatch.first.toString()), "nothing of the invalid batch is streamed");
      assert.equal(new Set(seen.map(streamEventId)).size, seen.length, "stream ids are unique");
      await indexer.store.close();
    });

    it("stops accepting a session key's signatures once it is revoked", async () => {
      const author0Wallet = createWalletClient({ account: authors[0], transport: custom(provider) });
      await mined(await author0Wallet.writeContract({
        address: pennyPost.address, abi: pennyPost.abi, functionName: "revokeSession", args: [sessionKey.address, ETH], chain: null,
      }));
      const posts = await anchoredPosts(3, "after revoke", { signer: (author) => (author.address === authors[0].address ? sessionKey : author) });
      const { first } = await anchor(posts, "calldata");
      const indexer = await openIndexer(client, pennyPost.address);
      await indexer.follower.syncOnce();
      const revoked = await indexer.store.get<{ signatureValid: boolean }>(keys.hiddenPost(first));
      assert.equal(revoked?.signatureValid, false, "signed by the revoked key");
      assert.equal((await indexer.store.get<{ signatureValid: boolean }>(keys.post(first + 1n)))?.signatureValid, true);
      // The earlier batch, signed while the key was live, still counts as signed.
      assert.equal((await indexer.store.get<{ signatureValid: boolean }>(keys.post(calldataBatch.first)))?.signatureValid, true);
      await indexer.store.close();
    });
  });

  describe("reorgs", () => {
    it("undoes an anchored batch and a session authorization in reorged blocks: the database equals a fresh index", async () => {
      const { store, follower } = await openIndexer(client, pennyPost.address);
      await follower.syncOnce();
      const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
      const wallet = createWalletClient({ account: authors[2], transport: custom(provider) });
      await mined(await wallets[0].sendTransaction({ to: authors[2].address, value: parseEther("1") }));
      const key = privateKeyToAccount(generatePrivateKey());
      const now = (await client.getBlock()).timestamp;
      await mined(await wallet.writeContract({
        address: pennyPost.address, abi: pennyPost.abi, functionName: "authorizeSession", args: [key.address, ETH, 1000n, now + 3600n], chain: null,
      }));
      const orphan = await anchoredPosts(4, "orphan");
      const { batchId } = await anchor(orphan, "calldata");
      await follower.syncOnce();
      assert.equal((await store.get<{ status: string }>(keys.batch(batchId)))?.status, "valid");
      assert.notEqual(await store.get(keys.session(authors[2].address, key.address)), undefined);

      await provider.request({ method: "evm_revert", params: [snapshot] });
      await mined(await pennyPost.write.post([0n, "canonical 1"], { value: FEE }));
      await mined(await pennyPost.write.post([0n, "canonical 2"], { value: FEE }));
      await mined(await pennyPost.write.post([0n, "canonical 3"], { value: FEE }));
      await mined(await pennyPost.write.post([0n, "canonical 4"], { value: FEE }));
      await follower.syncOnce();
      assert.ok(follower.status().lastReorgDepth >= 3);
      assert.equal(await store.get(keys.batch(batchId)), undefined, "the orphaned batch is gone");
      assert.equal(await store.get(keys.session(authors[2].address, key.address)), undefined, "the orphaned session is gone");
      assert.deepEqual(await store.dump(), await freshDump(client, pennyPost.address));
      await store.close();
    });
  });
});
