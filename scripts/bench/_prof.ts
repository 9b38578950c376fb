import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { encodeAbiParameters, encodeEventTopics, type Hex, type Log } from "viem";
import { pennyPostAbi } from "../../lib/abi.ts";
import { decodeLogs } from "../../server/chain/decode.ts";
import { createIngestor } from "../../server/ingest/apply.ts";
import type { IndexedBlock, ProtocolEvent } from "../../server/domain.ts";
import { LevelStore } from "../../server/store/level-store.ts";
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const author = (i: number): Hex => `0x${(0xa000 + (i % 1000)).toString(16).padStart(40, "0")}`;
const blocks: IndexedBlock[] = []; const logs: Log[][] = []; let postId = 0n;
const N = Number(process.env.N ?? 200000);
function gen(from: number, to: number) { for (let i = from; i < to; i++) { const b = Math.floor(i / 100) + 1; if (logs.length < b) { blocks.push({ number: BigInt(b), hash: hash(b), parentHash: hash(b - 1), timestamp: b }); logs.push([]); }
  let topics: Hex[]; let data: Hex;
  if (i % 2 === 0) { postId += 1n; topics = encodeEventTopics({ abi: pennyPostAbi, eventName: "Posted", args: { postId, author: author(i), parentId: 0n } }) as Hex[]; data = encodeAbiParameters([{ type: "uint256" }, { type: "string" }], [10n, "p".repeat(200)]); }
  else { const t = postId - BigInt(i % 50) > 0n ? postId - BigInt(i % 50) : postId; topics = encodeEventTopics({ abi: pennyPostAbi, eventName: "Tipped", args: { postId: t, tipper: author(i + 7), author: author(Number(t)*2) } }) as Hex[]; data = encodeAbiParameters([{ type: "address" }, { type: "uint256" }, { type: "uint256" }], ["0x0000000000000000000000000000000000000000", 1000n + BigInt(i), 25n]); }
  logs[b - 1].push({ topics, data, blockNumber: BigInt(b), blockHash: hash(b), logIndex: logs[b - 1].length, transactionHash: hash(1e6 + i) } as unknown as Log); } }
const store = await LevelStore.open(await mkdtemp(path.join(tmpdir(), "prof-")));
const ingestor = createIngestor(store, 64); let tDecode = 0, tIngest = 0; const t0 = performance.now();
for (let first = 0; first * 100 < N; first += 20) { gen(first * 100, Math.min(N, (first + 20) * 100)); const range = blocks.slice(first, first + 20);
  let t = performance.now(); const decoded: ProtocolEvent[] = range.flatMap((block, i) => decodeLogs(logs[first + i], block.timestamp)); tDecode += performance.now() - t;
  t = performance.now(); await ingestor.submit(range, decoded, N / 100); tIngest += performance.now() - t; logs.fill([] as Log[], first, first + 20); }
const tf = performance.now(); await ingestor.flush(); tIngest += performance.now() - tf; const total = tDecode + tIngest;
console.log("events/s", Math.round(N / total * 1000), "total", Math.round(total), "decode", Math.round(tDecode), "ingest", Math.round(tIngest));
