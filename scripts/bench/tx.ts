/**
 * Transactions without round trips: a sender that signs locally with explicit nonce, gas and fees
 * (no eth_estimateGas / eth_getTransactionCount per transaction) and sends raw; and an inclusion
 * tracker that follows new blocks and resolves each watched transaction with its receipt and the
 * moment the bench saw it.
 */
import secp256k1 from "secp256k1";
import { serializeTransaction, toHex, type Address, type Hex, type PublicClient, type TransactionSerializableEIP1559 } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { hexBytes, keccak, keccakHex } from "../../lib/keccak.ts";

export interface Fees {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

/** The fields of a receipt the bench uses (raw JSON-RPC, hex quantities). */
export interface RawReceipt {
  transactionHash: Hex;
  blockNumber: Hex;
  gasUsed: Hex;
  status: Hex;
  logs: { topics: Hex[]; data: Hex }[];
}

export interface Included {
  receipt: RawReceipt;
  /** performance.now() when the bench saw the block that includes it. */
  seenAt: number;
}

/** Generous fees that stay valid while the base fee moves: 3 x base fee + 2 gwei, 1 gwei tip. */
export async function currentFees(client: PublicClient): Promise<Fees> {
  const block = await client.getBlock();
  const base = block.baseFeePerGas ?? (await client.getGasPrice());
  return { maxFeePerGas: base * 3n + 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
}

export interface Sender {
  address: Address;
  /** Signs with the next nonce; returns the raw transaction and its hash (known before sending). */
  sign(tx: { to: Address; data: Hex; gas: bigint; value?: bigint }): Promise<{ raw: Hex; hash: Hex }>;
  send(raw: Hex): Promise<Hex>;
  /** The nonce the next transaction will get. */
  nextNonce(): number;
}

/**
 * eth_sendRawTransaction, retried on transport errors (a connection reset under load would
 * otherwise leave a nonce gap that stalls every later transaction of the sender). The same raw
 * transaction is idempotent: a node that already has it answers "already known", which is success.
 */
export async function sendRaw(client: PublicClient, raw: Hex, attempts = 5): Promise<Hex> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request({ method: "eth_sendRawTransaction", params: [raw] });
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      if (/already known|known transaction|already imported/i.test(message)) return keccakHex(hexBytes(raw));
      const refused = /nonce too low|insufficient funds|underpriced|fee cap|exceeds|invalid|reverted/i.test(message);
      if (refused || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * Signs with explicit nonces and fees. The fees follow the chain: at most once a second, a sign
 * refreshes them in the background from the latest block (heavy scenarios fill blocks past the gas
 * target, and the base fee climbs 12.5% a block until a fixed max fee would be refused).
 */
export async function createSender(client: PublicClient, privateKey: Hex, chainId: number, initialFees: Fees, sendClient = client): Promise<Sender> {
  const account = privateKeyToAccount(privateKey);
  const key = hexBytes(privateKey);
  let fees = initialFees;
  let refreshedAt = performance.now();
  const refresh = () => {
    refreshedAt = performance.now();
    currentFees(client).then((latest) => (fees = latest), () => {});
  };
  let nonce = await client.getTransactionCount({ address: account.address, blockTag: "pending" });
  return {
    address: account.address,
    // viem's serializer, with the signing hash and the transaction hash from the WebAssembly keccak
    // and the signature from libsecp256k1: a 1 MB anchor transaction signs in ~5 ms instead of ~70.
    async sign({ to, data, gas, value = 0n }) {
      if (performance.now() - refreshedAt > 1_000) refresh();
      const tx: TransactionSerializableEIP1559 = { type: "eip1559", chainId, nonce: nonce++, to, data, gas, value, ...fees };
      const { signature, recid } = secp256k1.ecdsaSign(keccak(hexBytes(serializeTransaction(tx))), key);
      const raw = serializeTransaction(tx, { r: toHex(signature.subarray(0, 32)), s: toHex(signature.subarray(32, 64)), yParity: recid });
      return { raw, hash: keccakHex(hexBytes(raw)) };
    },
    send: (raw) => sendRaw(sendClient, raw),
    nextNonce: () => nonce,
  };
}

/**
 * Follows the chain head every `pollMs` and fetches the receipts of watched transactions in each
 * new block (eth_getBlockReceipts where the node has it, else one eth_getTransactionReceipt each).
 */
export async function createInclusionTracker(client: PublicClient, pollMs = 15) {
  // eth_blockNumber directly: viem's getBlockNumber caches the answer for the client's polling interval.
  const head = async () => BigInt(await client.request({ method: "eth_blockNumber" }));
  // The first block to look at is fixed before this returns: a transaction sent right after is in
  // a later block, never missed.
  const first = (await head()) + 1n;
  const waiting = new Map<string, { resolve: (included: Included) => void }>();
  let next: bigint | undefined;
  let blockReceipts: boolean | undefined;
  let running = true;
  let failure: unknown;

  async function receiptsOf(number: bigint): Promise<RawReceipt[]> {
    const tag = `0x${number.toString(16)}`;
    if (blockReceipts !== false) {
      try {
        const all = await client.request({ method: "eth_getBlockReceipts" as never, params: [tag] as never }) as RawReceipt[] | null;
        blockReceipts = true;
        return (all ?? []).filter((r) => waiting.has(r.transactionHash.toLowerCase()));
      } catch (error) {
        if (blockReceipts === true) throw error;
        blockReceipts = false;
      }
    }
    const block = await client.request({ method: "eth_getBlockByNumber", params: [tag as Hex, false] }) as { transactions: Hex[] } | null;
    const hashes = (block?.transactions ?? []).filter((h) => waiting.has(h.toLowerCase()));
    return Promise.all(hashes.map((hash) => client.request({ method: "eth_getTransactionReceipt", params: [hash] }) as Promise<RawReceipt>));
  }

  const loop = (async () => {
    next = first;
    while (running) {
      try {
        const latest = await head();
        for (; next <= latest; next++) {
          const receipts = await receiptsOf(next);
          const seenAt = performance.now();
          for (const receipt of receipts) {
            const key = receipt.transactionHash.toLowerCase();
            waiting.get(key)?.resolve({ receipt, seenAt });
            waiting.delete(key);
          }
        }
      } catch (error) {
        failure = error;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  return {
    /** Resolves when `hash` is in a block the tracker has seen. Call before sending. */
    watch(hash: Hex): Promise<Included> {
      return new Promise((resolve) => waiting.set(hash.toLowerCase(), { resolve }));
    },
    pending: () => waiting.size,
    nextBlock: () => next,
    lastError: () => failure,
    async stop() {
      running = false;
      await loop;
    },
  };
}

export type InclusionTracker = Awaited<ReturnType<typeof createInclusionTracker>>;

/** EIP-7623 floor of a transaction's calldata: 21,000 + 10 x (zero bytes + 4 x non-zero bytes). */
export function calldataFloorGas(data: Hex): number {
  let zero = 0;
  let nonZero = 0;
  for (let i = 2; i < data.length; i += 2) {
    if (data[i] === "0" && data[i + 1] === "0") zero++;
    else nonZero++;
  }
  return 21_000 + 10 * (zero + 4 * nonZero);
}

export const calldataBytes = (data: Hex): number => (data.length - 2) / 2;

const SEND_ALL_TIMEOUT_MS = 120_000;

export type SetupTx = { to: Address; data?: Hex; value?: bigint; gas: bigint };

/** Signs, sends and waits for setup transactions (outside any timed window); throws if one fails. */
export async function sendAll(stack: { sender: Sender; tracker: InclusionTracker; client: PublicClient }, txs: SetupTx[]): Promise<RawReceipt[]> {
  const waits: Promise<RawReceipt>[] = [];
  for (const tx of txs) {
    const { raw, hash } = await stack.sender.sign({ to: tx.to, data: tx.data ?? "0x", gas: tx.gas, value: tx.value ?? 0n });
    waits.push(stack.tracker.watch(hash).then((i) => i.receipt));
    await stack.sender.send(raw);
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const tracker = stack.tracker.lastError();
      const nonces = await Promise.all((["latest", "pending"] as const).map((blockTag) => stack.client.getTransactionCount({ address: stack.sender.address, blockTag }).catch(() => "?")));
      reject(new Error(`${txs.length} bench transaction(s) not included within ${SEND_ALL_TIMEOUT_MS / 1000} s (a refused transaction leaves a nonce gap: see the node's log)` +
        `; the sender's next nonce is ${stack.sender.nextNonce()} (the chain's: ${nonces[0]} mined, ${nonces[1]} pending); the inclusion tracker is at block ${stack.tracker.nextBlock()}` + (tracker ? `, its last error: ${String(tracker)}` : "")));
    }, SEND_ALL_TIMEOUT_MS);
  });
  const receipts = await Promise.race([Promise.all(waits), timeout]).finally(() => clearTimeout(timer));
  const failed = receipts.find((r) => r.status !== "0x1");
  if (failed) throw new Error(`setup transaction ${failed.transactionHash} reverted`);
  return receipts;
}
