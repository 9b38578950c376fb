/**
 * The load generator's actions, signed ahead of each scenario's timed window as users' devices
 * would sign them: direct-mode transactions, batched `Post`s, `AnchoredPost`s and tip vouchers,
 * grouped into the units a submitter sends (one transaction each). Every post's content starts with
 * a unique tag (`#b<seed>.<n> `) and every tip has a unique amount, so the bench recognises each
 * item when the API shows it.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import {
  type AnchoredPost,
} from "../../lib/anchored.ts";
import {
  ETH,
  ZERO_HASH,
  extendVoucher,
  signAnchoredPost,
  signPost,
  signVoucher,
  type PennyPostDomain,
  type PostMessage,
  type Signed,
  type VoucherTip,
} from "../../lib/relayed.ts";
import type { BenchAccount } from "./signer.ts";
import { calldataBytes, calldataFloorGas, type Fees } from "./tx.ts";

/** A deadline far enough never to matter in a run. */
export const FAR_DEADLINE = 2n ** 40n;
/** Tip amounts are TIP_BASE + a run-wide counter: unique, so a tip in the API maps to its submission. */
export const TIP_BASE = 1_000_000n;

export interface Unit<P> {
  /** Visibility keys of the unit's items: `p<n>` for the post tagged `#b<seed>.<n>`, `t<amount>` for a tip. */
  keys: string[];
  payload: P;
}

/** A pre-signed direct-mode transaction and the size and EIP-7623 floor of its calldata. */
export interface DirectTx {
  raw: Hex;
  calldataBytes: number;
  floorGas: number;
}

export type SignedVoucher = { tipper: Address; asset: Address; cumulativeAmount: bigint; tipsHash: Hex; signature: Hex; tips: VoucherTip[] };

/** Run-wide state of the simulated users, carried from one scenario to the next. */
export interface Population {
  seed: number;
  domain: PennyPostDomain;
  postFee: bigint;
  contentBytes: number;
  authors: BenchAccount[];
  nextTag: number;
  nextTipAmount: bigint;
  relayedNonce: bigint[];
  anchoredSeq: bigint[];
  voucher: { cumulativeAmount: bigint; tipsHash: Hex }[];
  random: () => number;
}

export function createPopulation(seed: number, domain: PennyPostDomain, postFee: bigint, contentBytes: number, authors: BenchAccount[]): Population {
  return {
    seed, domain, postFee, contentBytes, authors, nextTag: 1, nextTipAmount: TIP_BASE,
    relayedNonce: authors.map(() => 0n), anchoredSeq: authors.map(() => 0n),
    voucher: authors.map(() => ({ cumulativeAmount: 0n, tipsHash: ZERO_HASH })),
    random: mulberry32(seed),
  };
}

/**
 * The users' signing state (nonces, seqs, voucher chains, counters): taken before a scenario is
 * signed and put back when the scenario is skipped, so that its unsent actions leave no gap.
 */
export function saveSigningState(population: Population): () => void {
  const saved = {
    nextTag: population.nextTag, nextTipAmount: population.nextTipAmount, relayedNonce: [...population.relayedNonce],
    anchoredSeq: [...population.anchoredSeq], voucher: population.voucher.map((v) => ({ ...v })),
  };
  return () => Object.assign(population, saved);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same contents. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const LETTERS = "etaoinshrdlucmfwypvbgkqjxz";
const TAG = /^#b\d+\.(\d+) /;

/** A new post's content: its tag, then seeded words up to `contentBytes` (ASCII, so bytes = characters). */
export function nextContent(population: Population): { key: string; content: string } {
  const n = population.nextTag++;
  let content = `#b${population.seed}.${n} `;
  while (content.length < population.contentBytes) {
    const length = 2 + Math.floor(population.random() * 8);
    for (let i = 0; i < length; i++) content += LETTERS[Math.floor(population.random() * population.random() * LETTERS.length)];
    content += " ";
  }
  return { key: `p${n}`, content: content.slice(0, population.contentBytes) };
}

/** The visibility key of a tip: its amount, unique in a run. */
export const tipKey = (amount: bigint | string): string => `t${amount}`;

/** The visibility key of a post's content (see `nextContent`), or undefined for other posts. */
export function contentKey(content: string): string | undefined {
  const n = TAG.exec(content)?.[1];
  return n === undefined ? undefined : `p${n}`;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

type Progress = (done: number) => void;

/** Direct mode: one signed `post(0, content)` transaction per post, authors in turn. */
export async function presignDirect(
  population: Population, count: number,
  tx: { to: Address; gas: bigint; fees: Fees; chainId: number; nonces: number[] }, progress: Progress,
): Promise<Unit<DirectTx>[]> {
  const accounts = population.authors.map((a) => privateKeyToAccount(a.privateKey));
  const units: Unit<DirectTx>[] = [];
  for (let i = 0; i < count; i++) {
    const a = i % accounts.length;
    const { key, content } = nextContent(population);
    const data = encodeFunctionData({ abi: pennyPostAbi, functionName: "post", args: [0n, content] });
    const raw = await accounts[a]!.signTransaction({
      type: "eip1559", chainId: tx.chainId, nonce: tx.nonces[a]!++, to: tx.to, data, gas: tx.gas, value: population.postFee, ...tx.fees,
    });
    units.push({ keys: [key], payload: { raw, calldataBytes: calldataBytes(data), floorGas: calldataFloorGas(data) } });
    if (i % 64 === 63) progress(i + 1);
  }
  progress(count);
  return units;
}

/** Batched mode: EIP-712 `Post`s with each author's next nonce, `batchSize` per unit. */
export async function presignBatched(population: Population, count: number, batchSize: number, progress: Progress): Promise<Unit<Signed<PostMessage>[]>[]> {
  const posts: { key: string; post: Signed<PostMessage> }[] = [];
  for (let i = 0; i < count; i++) {
    const a = i % population.authors.length;
    const author = population.authors[a]!;
    const { key, content } = nextContent(population);
    const nonce = population.relayedNonce[a]!;
    population.relayedNonce[a] = nonce + 1n;
    posts.push({ key, post: await signPost(author, population.domain, { author: author.address, parentId: 0n, content, maxFee: population.postFee, nonce, deadline: FAR_DEADLINE }) });
    if (i % 64 === 63) progress(i + 1);
  }
  progress(count);
  return chunk(posts, batchSize).map((group) => ({ keys: group.map((g) => g.key), payload: group.map((g) => g.post) }));
}

/** Anchored modes: `AnchoredPost`s with each author's next seq and cumulative fee, `batchSize` per unit. */
export async function presignAnchored(population: Population, count: number, batchSize: number, progress: Progress): Promise<Unit<AnchoredPost[]>[]> {
  const posts: { key: string; post: AnchoredPost }[] = [];
  for (let i = 0; i < count; i++) {
    const a = i % population.authors.length;
    const author = population.authors[a]!;
    const { key, content } = nextContent(population);
    const seq = population.anchoredSeq[a]! + 1n;
    population.anchoredSeq[a] = seq;
    posts.push({ key, post: await signAnchoredPost(author, population.domain, { author: author.address, parentId: 0n, content, seq, cumulativeFee: seq * population.postFee }) });
    if (i % 64 === 63) progress(i + 1);
  }
  progress(count);
  return chunk(posts, batchSize).map((group) => ({ keys: group.map((g) => g.key), payload: group.map((g) => g.post) }));
}

/**
 * Vouchers: `count` tips, tipper i % authors tipping `targets[(i + 1) % targets]`, `batchSize` tips
 * per unit; in each unit every tipper signs one cumulative voucher over its tips since its last one.
 */
export async function presignVouchers(
  population: Population, count: number, batchSize: number, targets: { postId: bigint; author: Address }[], progress: Progress,
): Promise<Unit<SignedVoucher[]>[]> {
  const units: Unit<SignedVoucher[]>[] = [];
  let done = 0;
  for (let start = 0; start < count; start += batchSize) {
    const byTipper = new Map<number, VoucherTip[]>();
    const keys: string[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) {
      const t = i % population.authors.length;
      const target = targets[(t + 1) % targets.length]!;
      const amount = population.nextTipAmount++;
      keys.push(tipKey(amount));
      const list = byTipper.get(t) ?? [];
      list.push({ postId: target.postId, author: target.author, amount });
      byTipper.set(t, list);
    }
    const vouchers: SignedVoucher[] = [];
    for (const [t, tips] of byTipper) {
      const tipper = population.authors[t]!;
      const state = extendVoucher(population.voucher[t]!, tips);
      population.voucher[t] = state;
      const signed = await signVoucher(tipper, population.domain, { tipper: tipper.address, asset: ETH, ...state });
      vouchers.push({ ...signed, tips });
    }
    units.push({ keys, payload: vouchers });
    done += keys.length;
    progress(done);
  }
  return units;
}
