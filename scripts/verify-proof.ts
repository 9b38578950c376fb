/**
 * Verifies that an anchored post is on chain, trusting no indexer:
 *
 *   node scripts/verify-proof.ts <postId> [--api http://127.0.0.1:8080] [--rpc http://127.0.0.1:8545] [--contract 0x…]
 *
 * Fetches the post and its Merkle proof from the API, then checks against the chain with
 * lib/verify-anchored.ts (`verifyAnchoredPost`):
 *  1. the root of its batch, read FROM THE CHAIN (`anchorOf(batchId)`), the post id asked for, served
 *     and proven, inside the batch's reserved range, and the batch the post names;
 *  2. the leaf rebuilt from the SERVED post (id, author, parent, content hash) against that root,
 *     off chain (`verifyAnchorProof`) and on chain (the contract's `verifyAnchoredPost` view), and
 *     each served field against the proven leaf's, by name;
 *  3. the EIP-712 `AnchoredPost` signature recovers to the author, or to a session key the author
 *     has authorized for ETH on chain (checked now; a key revoked since then reports as such).
 * Prints each check and a verdict; exits 0 when every check passes, 1 otherwise (2: usage error).
 * The contract address comes from the API's /v1/config unless --contract gives it.
 */
import { parseArgs } from "node:util";

import { createPublicClient, getAddress, http } from "viem";

import { failedChecks, verifyAnchoredPost, type ChainReader, type Check, type ServedPost, type ServedProof, type Verification } from "../lib/verify-anchored.ts";

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

/** Prints each check and the verdict; `failed` names what the chain does not prove ("" when ok). */
export async function verifyProof(postId: string, options: { api: string; rpc: string; contract?: string | undefined }): Promise<{ ok: boolean; failed: string }> {
  const print = (c: Check) => console.log(`${c.ok ? "ok  " : "FAIL"}  ${c.name}${c.detail === undefined ? "" : `: ${c.detail}`}`);

  const proofRes = await fetchJson(`${options.api}/v1/posts/${postId}/proof`);
  if (proofRes.status !== 200) {
    print({ name: "the API serves a proof", ok: false, detail: `${proofRes.status} ${proofRes.body?.code ?? ""} ${proofRes.body?.detail ?? ""}`.trim() });
    console.log(`\nVERDICT: NOT VERIFIED: post ${postId} has no anchored proof`);
    return { ok: false, failed: "no anchored proof" };
  }
  const proof = proofRes.body.data as ServedProof;
  const postRes = await fetchJson(`${options.api}/v1/posts/${postId}`);
  const post = postRes.status === 200 ? (postRes.body?.data as ServedPost | undefined) : undefined;

  let contract = options.contract;
  if (contract === undefined) {
    const config = await fetchJson(`${options.api}/v1/config`);
    contract = config.body?.data?.contracts?.PennyPost as string | undefined;
    if (contract === undefined) throw new Error("the API does not say which contract it indexes: pass --contract");
  }
  const address = getAddress(contract);
  const client = createPublicClient({ transport: http(options.rpc, { retryCount: 1 }) });
  console.log(`post ${postId}, batch ${proof.batchId}, contract ${address} on chain ${await client.getChainId()} (${options.rpc})\n`);

  const result = await verifyAnchoredPost(client as unknown as ChainReader, address, BigInt(postId), post, proof);
  for (const c of result.checks) print(c);
  return { ok: verdict(result, postId), failed: failedChecks(result) };
}

function verdict(result: Verification, postId: string): boolean {
  console.log(result.ok
    ? `\nVERDICT: VERIFIED: post ${postId} is in its anchored batch on chain, signed by its author, and the API served it as proven`
    : `\nVERDICT: NOT VERIFIED: the API served post ${postId} with something the chain does not prove (${failedChecks(result)})`);
  return result.ok;
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
    const { ok } = await verifyProof(postId, { api: parsed.values.api, rpc: parsed.values.rpc, contract: parsed.values.contract });
    process.exit(ok ? 0 : 1);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exit(1);
  }
}
