/**
 * Submitters: how a unit of signed actions reaches the chain, one per write mode, on the
 * in-process-sequencer path: the bench is the relayer/sequencer itself and drives the contract
 * directly (the protocol's ceiling). The product's write path, the server's relayer behind
 * `POST /v1/actions`, is measured by --path relayer-http (relayer-http.ts, relayer-run.ts), whose
 * client lanes POST the signed actions themselves instead of going through a submitter.
 */
import { encodeFunctionData, type Address, type Hex } from "viem";

import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { hexBytes, keccakHex } from "../../lib/keccak.ts";
import { buildAnchorTree, encodeAnchorData, type AnchoredPost } from "../../lib/anchored.ts";
import { type PostMessage, type Signed } from "../../lib/relayed.ts";
import type { Mode } from "./options.ts";
import { calldataBytes, calldataFloorGas, type Sender } from "./tx.ts";
import type { DirectTx, SignedVoucher, Unit } from "./workload.ts";

export interface Submission {
  hash: Hex;
  /** Settles when the node accepted (or refused) the transaction. */
  sent: Promise<unknown>;
  calldataBytes: number;
  /** EIP-7623 floor of this transaction's calldata (21,000 + tokens x 10). */
  floorGas: number;
  /** anchored-hash: bytes of the batch data kept off chain. */
  offchainBytes?: number;
  /** Anchored modes: the ids the batch reserves, first..last. */
  postIds?: { first: bigint; last: bigint };
}

export interface Submitter<P> {
  readonly mode: Mode;
  /** The transaction data of a unit, for gas estimation before the timed window (undefined: pre-signed). */
  encode(unit: Unit<P>): Hex | undefined;
  /** Sends one unit (a post, a batch, a set of vouchers); resolves once its hash is known. */
  submit(unit: Unit<P>): Promise<Submission>;
}

export function directSubmitter(send: (raw: Hex) => Promise<Hex>): Submitter<DirectTx> {
  return {
    mode: "direct",
    encode: () => undefined,
    async submit(unit) {
      const { raw, calldataBytes: bytes, floorGas } = unit.payload;
      return { hash: keccakHex(hexBytes(raw)), sent: send(raw), calldataBytes: bytes, floorGas };
    },
  };
}

/** A submitter that encodes each unit into one transaction of the sequencer account. */
function sequencerSubmitter<P>(
  mode: Mode, sender: Sender, contract: Address, gas: () => bigint,
  encode: (unit: Unit<P>) => { data: Hex; postIds?: Submission["postIds"]; offchainBytes?: number },
): Submitter<P> {
  return {
    mode,
    encode: (unit) => encode(unit).data,
    async submit(unit) {
      const { data, postIds, offchainBytes } = encode(unit);
      const { raw, hash } = await sender.sign({ to: contract, data, gas: gas() });
      return {
        hash, sent: sender.send(raw), calldataBytes: calldataBytes(data), floorGas: calldataFloorGas(data),
        ...(postIds ? { postIds } : {}), ...(offchainBytes !== undefined ? { offchainBytes } : {}),
      };
    },
  };
}

export function batchedSubmitter(sender: Sender, contract: Address, gas: () => bigint): Submitter<Signed<PostMessage>[]> {
  return sequencerSubmitter("batched", sender, contract, gas, (unit) => ({
    data: encodeFunctionData({ abi: pennyPostAbi, functionName: "submitBatch", args: [unit.payload, []] }),
  }));
}

/**
 * Anchored modes: the sequencer numbers the batch (ids follow the contract's post counter; this
 * sequencer is the only writer during the scenario), builds the Merkle tree, encodes the batch data
 * and commits the root with the data (`anchor`) or its hash (`anchorHash`).
 */
export function anchoredSubmitter(
  mode: "anchored-calldata" | "anchored-hash", sender: Sender, contract: Address, gas: () => bigint, firstPostId: bigint,
  /** Where the sequencer keeps hash-mode batch data (dataHash -> data) for its indexer. */
  store?: Map<string, Hex>,
): Submitter<AnchoredPost[]> & { nextPostId(): bigint } {
  let next = firstPostId;
  const encode = (unit: Unit<AnchoredPost[]>, reserve: boolean) => {
    const posts = unit.payload;
    const first = next;
    if (reserve) next += BigInt(posts.length);
    const root = buildAnchorTree(posts).root as Hex;
    const data = encodeAnchorData(posts);
    const count = BigInt(posts.length);
    const dataHash = mode === "anchored-hash" ? keccakHex(hexBytes(data)) : undefined;
    if (reserve && dataHash !== undefined) store?.set(dataHash, data);
    return {
      data: mode === "anchored-calldata"
        ? encodeFunctionData({ abi: pennyPostAbi, functionName: "anchor", args: [root, count, data] })
        : encodeFunctionData({ abi: pennyPostAbi, functionName: "anchorHash", args: [root, count, dataHash as Hex] }),
      postIds: { first, last: first + count - 1n },
      ...(mode === "anchored-hash" ? { offchainBytes: calldataBytes(data) } : {}),
    };
  };
  const inner = sequencerSubmitter<AnchoredPost[]>(mode, sender, contract, gas, (unit) => encode(unit, true));
  return { ...inner, encode: (unit: Unit<AnchoredPost[]>) => encode(unit, false).data, nextPostId: () => next };
}

export function voucherSubmitter(sender: Sender, contract: Address, gas: () => bigint): Submitter<SignedVoucher[]> {
  return sequencerSubmitter("vouchers", sender, contract, gas, (unit) => ({
    data: encodeFunctionData({ abi: pennyPostAbi, functionName: "settleVouchers", args: [unit.payload] }),
  }));
}
