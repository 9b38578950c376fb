/**
 * Verifies that an anchored post is on chain, trusting no indexer:
 *
 *   node scripts/verify-proof.ts <postId> [--api http://127.0.0.1:8080] [--rpc http://127.0.0.1:8545] [--contract 0x…]
 *
 * Fetches the post and its Merkle proof from the API, then checks against the chain:
 *  1. the root of its batch, read FROM THE CHAIN (`anchorOf(batchId)`), and the post id in the
 *     batch's reserved range;
 *  2. the proof off chain (`verifyAnchorProof`, lib/relayed.ts) against that root;
 *  3. the proof on chain (the contract's `verifyAnchoredPost` view);
 *  4. the content the API serves hashes to the proven leaf's contentHash;
 *  5. the EIP-712 `AnchoredPost` signature recovers to the author, or to a session key the author
 *     has authorized for ETH on chain (checked now; a key revoked since then reports as such).
 * Prints each check and a verdict; exits 0 when every check passes, 1 otherwise (2: usage error).
 * The contract address comes from the API's /v1/config unless --contract gives it.
 */
import { parseArgs } from "node:util";

import { createPublicClient, getAddress, http, recoverTypedDataAddress, type Address, type Hex } from "viem";

import { pennyPostAbi } from "../lib/generated/abi.ts";
import { contentHash, verifyAnchorProof, type AnchorLeaf } from "../lib/anchored.ts";
import { ETH, pennyPostDomain, relayedTypes } from "../lib/relayed.ts";

interface Proof {
  postId: string;
  batchId: string;
  leaf: { index: number; postId: string; author: Address; parentId: string; contentHash: Hex };
  leafHash: Hex;
  proof: Hex[];
  root: Hex;
  anchor: { batchId: string; firstPostId: string; count: string; dataHash: Hex; txHash: Hex; blockNumber: number };
  signed: { seq: string; cumulativeFee: string; signature: Hex };
}

const usage = "usage: node scripts/verify-proof.ts <postId> [--api http://127.0.0.1:8080] [--rpc http://127.0.0.1:8545] [--contract 0x…]";

async function fetchJson(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { detail: text };
  }
  return { status: response.status, body };
}

export async function verifyProof(postId: string, options: { api: string; rpc: string; contract?: string | undefined }): Promise<boolean> {
  const results: [string, boolean, string?][] = [];
  const check = (name: string, ok: boolean, detail?: string) => {
    results.push([name, ok, detail]);
    console.log(`${ok ? "ok  " : "FAIL"}  ${name}${detail === undefined ? "" : `: ${detail}`}`);
    return ok;
  };

  const proofRes = await fetchJson(`${options.api}/v1/posts/${postId}/proof`);
  if (proofRes.status !== 200) {
    check("the API serves a proof", false, `${proofRes.status} ${proofRes.body?.code ?? ""} ${proofRes.body?.detail ?? ""}`.trim());
    console.log(`\nVERDICT: NOT VERIFIED: post ${postId} has no anchored proof`);
    return false;
  }
  const p = proofRes.body.data as Proof;
  const postRes = await fetchJson(`${options.api}/v1/posts/${postId}`);
  const post = postRes.body?.data as { content: string; author: Address; parentId: string } | undefined;

  let contract = options.contract;
  if (contract === undefined) {
    const config = await fetchJson(`${options.api}/v1/config`);
    contract = config.body?.data?.contracts?.PennyPost as string | undefined;
    if (contract === undefined) throw new Error("the API does not say which contract it indexes: pass --contract");
  }
  const address = getAddress(contract);
  const client = createPublicClient({ transport: http(options.rpc, { retryCount: 1 }) });
  const chainId = await client.getChainId();
  console.log(`post ${postId}, batch ${p.batchId}, contract ${address} on chain ${chainId} (${options.rpc})\n`);

  const batchId = BigInt(p.batchId);
  const [root, firstPostId, count] = await client.readContract({ address, abi: pennyPostAbi, functionName: "anchorOf", args: [batchId] }).catch(() => [undefined, 0n, 0n] as const);
  if (!check("the batch is anchored on chain", root !== undefined, root === undefined ? `anchorOf(${batchId}) reverted` : `root ${root}`)) return verdict(false, postId);
  const rootOnChain = root as Hex;
  // The leaf names the post by its position in the batch, from the range read from the chain.
  const leaf: AnchorLeaf = [BigInt(postId) - firstPostId, getAddress(p.leaf.author), BigInt(p.leaf.parentId), p.leaf.contentHash];
  check("the proof is for this post id, inside the batch's reserved range", BigInt(p.leaf.postId) === BigInt(postId) && BigInt(postId) >= firstPostId && BigInt(postId) < firstPostId + count,
    `ids ${firstPostId}..${firstPostId + count - 1n}`);
  check("the API's root is the chain's", p.root.toLowerCase() === rootOnChain.toLowerCase());
  check("the proof verifies off chain against the chain's root (verifyAnchorProof)", verifyAnchorProof(rootOnChain, leaf, p.proof));
  const onChain = await client.readContract({ address, abi: pennyPostAbi, functionName: "verifyAnchoredPost", args: [batchId, BigInt(postId), leaf[1], leaf[2], leaf[3], p.proof] });
  check("the contract's verifyAnchoredPost accepts it", onChain);
  check("the served content hashes to the proven contentHash", post !== undefined && contentHash(post.content) === p.leaf.contentHash.toLowerCase());

  if (post !== undefined) {
    const signer = await recoverTypedDataAddress({
      domain: pennyPostDomain(chainId, address), types: relayedTypes, primaryType: "AnchoredPost",
      message: { author: leaf[1], parentId: leaf[2], content: post.content, seq: BigInt(p.signed.seq), cumulativeFee: BigInt(p.signed.cumulativeFee) },
      signature: p.signed.signature,
    }).catch(() => undefined);
    if (signer === undefined) {
      check("the author's signature", false, "the signature does not recover");
    } else if (signer === leaf[1]) {
      check("the author signed it", true, signer);
    } else {
      const [, , expiry] = await client.readContract({ address, abi: pennyPostAbi, functionName: "session", args: [leaf[1], signer, ETH] });
      check("a session key of the author signed it", expiry !== 0n, expiry === 0n ? `${signer} is not (or no longer) a session key of ${leaf[1]}` : `${signer}, expires ${expiry}`);
    }
  }
  return verdict(results.every(([, ok]) => ok), postId);
}

function verdict(ok: boolean, postId: string): boolean {
  console.log(`\nVERDICT: ${ok ? "VERIFIED" : "NOT VERIFIED"}: post ${postId} ${ok ? "is in its anchored batch on chain, signed by its author" : "failed a check above"}`);
  return ok;
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { api: { type: "string", default: "http://127.0.0.1:8080" }, rpc: { type: "string", default: "http://127.0.0.1:8545" }, contract: { type: "string" } },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const [postId] = parsed.positionals;
  if (postId === undefined || !/^[1-9][0-9]*$/.test(postId) || parsed.positionals.length > 1) {
    console.error(usage);
    process.exit(2);
  }
  try {
    const ok = await verifyProof(postId, { api: parsed.values.api, rpc: parsed.values.rpc, contract: parsed.values.contract });
    process.exit(ok ? 0 : 1);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
