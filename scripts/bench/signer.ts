/**
 * Signers for the load generator. Users' devices sign their own actions; the bench plays all of
 * them, ahead of the timed window, so it needs signing to be fast. `fastSigner` has the shape of a
 * viem local account's `signTypedData` (so lib/relayed.ts's signPost & co. take it unchanged): the
 * EIP-712 digest from viem's `hashTypedData` (for `AnchoredPost`, the by-hand digest of
 * lib/anchored.ts, and for `Post` the one below: the same bytes, several times faster), the signature from libsecp256k1 (the `secp256k1`
 * package, native) with noble (viem's `sign`) as the fallback where the native binary is missing.
 * Both give the same deterministic RFC 6979 low-s signature.
 */
import { createRequire } from "node:module";

import { bytesToHex, hashTypedData, hexToBytes, keccak256, toHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, sign } from "viem/accounts";

import { digesters, type Digesters } from "../../lib/digests.ts";
import { signAnchoredPost, type AnchoredPostMessage, type PennyPostDomain, type PostMessage, type TypedDataSigner } from "../../lib/relayed.ts";
import { round3 } from "./measure.ts";
import type { Results } from "./schema.ts";
import type { Population } from "./workload.ts";

interface NativeSecp256k1 {
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number };
}

const native: NativeSecp256k1 | undefined = (() => {
  try {
    return createRequire(import.meta.url)("secp256k1") as NativeSecp256k1;
  } catch {
    return undefined;
  }
})();

export const SIGNING_METHOD = native
  ? "EIP-712 digest by hand for AnchoredPost and Post (lib/digests.ts), with viem hashTypedData otherwise, ECDSA with libsecp256k1 (secp256k1 npm package, native)"
  : "EIP-712 digest by hand for AnchoredPost and Post (lib/digests.ts), with viem hashTypedData otherwise, ECDSA with @noble/curves (viem sign): native secp256k1 unavailable";

export interface BenchAccount extends TypedDataSigner {
  address: Address;
  privateKey: Hex;
}

/** Signs a 32-byte digest: 65 bytes r || s || v (v = 27 + recid), as the contract's ECDSA expects. */
export async function signDigest(digest: Uint8Array, privateKey: Hex): Promise<Hex> {
  if (native) {
    const { signature, recid } = native.ecdsaSign(digest, hexToBytes(privateKey));
    const out = new Uint8Array(65);
    out.set(signature, 0);
    out[64] = 27 + recid;
    return bytesToHex(out);
  }
  return sign({ hash: bytesToHex(digest), privateKey, to: "hex" });
}

/** One set of by-hand digesters (lib/digests.ts) per domain object (a run signs under one domain). */
const digesterSets = new WeakMap<PennyPostDomain, Digesters>();
function digestersOf(domain: PennyPostDomain): Digesters {
  let set = digesterSets.get(domain);
  if (set === undefined) digesterSets.set(domain, (set = digesters(domain)));
  return set;
}

export function fastSigner(privateKey: Hex): BenchAccount {
  const { address } = privateKeyToAccount(privateKey);
  return {
    address,
    privateKey,
    signTypedData: (async (parameters: Parameters<typeof hashTypedData>[0]) =>
      signDigest(
        parameters.primaryType === "AnchoredPost"
          ? digestersOf(parameters.domain as PennyPostDomain).anchoredPost(parameters.message as unknown as AnchoredPostMessage)
          : parameters.primaryType === "Post"
            ? digestersOf(parameters.domain as PennyPostDomain).post(parameters.message as unknown as PostMessage)
            : hexToBytes(hashTypedData(parameters)),
        privateKey,
      )) as unknown as TypedDataSigner["signTypedData"],
  };
}

/** Deterministic accounts from the seed: key i = keccak256("pennypost-bench", seed, i). */
export function benchAccounts(seed: number, count: number): BenchAccount[] {
  return Array.from({ length: count }, (_, i) => fastSigner(keccak256(toHex(`pennypost-bench:${seed}:${i}`))));
}

/** Signing speed of the fast signer against viem's signTypedData (AnchoredPost, the first author). */
export async function measureSigning(population: Pick<Population, "authors" | "contentBytes" | "domain" | "postFee">): Promise<Results["presign"]> {
  const n = 300;
  const author = population.authors[0]!;
  const viemAccount = privateKeyToAccount(author.privateKey);
  const message = (i: number) => ({ author: author.address, parentId: 0n, content: "m".repeat(population.contentBytes), seq: BigInt(i + 1), cumulativeFee: population.postFee });
  const fast = fastSigner(author.privateKey);
  let t = performance.now();
  for (let i = 0; i < n; i++) await signAnchoredPost(fast, population.domain, message(i));
  const fastRate = n / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < n; i++) await signAnchoredPost(viemAccount, population.domain, message(i));
  const viemRate = n / ((performance.now() - t) / 1000);
  return { method: `all actions signed before each scenario's timed window; ${SIGNING_METHOD}`, signaturesPerSecond: round3(fastRate), viemSignTypedDataPerSecond: round3(viemRate) };
}
