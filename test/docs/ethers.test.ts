/**
 * docs/ethers.md's example, exactly as written: the block marked `<!-- docs-test: file
 * ethers-example.ts -->` is saved as the doc says (in the repository's root, here a folder that
 * links the repository's lib/ and node_modules/) and run with node against a real anvil with
 * PennyPost deployed. What it prints is compared with the doc's, and what it did with the chain.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { after, before, describe, it } from "mocha";
import { parseEventLogs, type Hex } from "viem";

import { writeDeployment } from "../../lib/deployment.ts";
import { pennyPostAbi } from "../../lib/generated/abi.ts";
import { deployPennyPost, startAnvil, type Anvil } from "../indexer/anvil.ts";
import { removeTempDirs, tempDir } from "../indexer/helpers.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ETH = "0x0000000000000000000000000000000000000000";

/** The fenced block after each `<!-- docs-test: <name> -->` marker, and the doc's `console` blocks. */
function docBlocks(markdown: string): { marked: Map<string, string>; console: string[] } {
  const marked = new Map<string, string>();
  for (const match of markdown.matchAll(/<!-- docs-test: ([^>]+?) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g)) marked.set(match[1].trim(), match[2]);
  const printed = [...markdown.matchAll(/```console\n([\s\S]*?)\n```/g)].map((match) => match[1]);
  return { marked, console: printed };
}

describe("docs/ethers.md: the ethers example, as written, against a real chain", function () {
  this.timeout(180_000);
  let anvil: Anvil;
  let pennyPost: Hex;
  let result: { code: number | null; stdout: string; stderr: string };
  let documented: string[];

  before(async () => {
    const { marked, console: printed } = docBlocks(await readFile(path.join(ROOT, "docs", "ethers.md"), "utf8"));
    const example = marked.get("file ethers-example.ts");
    assert.ok(example !== undefined, "docs/ethers.md has the marked example");
    documented = printed[0].split("\n");

    anvil = await startAnvil();
    pennyPost = await deployPennyPost(anvil, 10n ** 13n);
    const dir = await tempDir("ethers-example");
    const deploymentFile = path.join(dir, "deployment.json");
    await writeDeployment({ network: "anvil", chainId: await anvil.client.getChainId(), startBlock: 0, contracts: { PennyPost: pennyPost }, deployedAt: new Date().toISOString() }, deploymentFile);
    // The repository's root as the example sees it: its package.json (ES modules), lib/ and node_modules/.
    await copyFile(path.join(ROOT, "package.json"), path.join(dir, "package.json"));
    await symlink(path.join(ROOT, "lib"), path.join(dir, "lib"));
    await symlink(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    await writeFile(path.join(dir, "ethers-example.ts"), example);
    result = await new Promise((resolve) => {
      execFile(process.execPath, ["ethers-example.ts"], { cwd: dir, env: { ...process.env, RPC_URL: anvil.url, DEPLOYMENT_FILE: deploymentFile }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }));
    });
  });
  after(async () => {
    await anvil?.stop();
    await removeTempDirs();
  });

  it("runs without an error and prints what the doc says it prints", () => {
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, documented.length, result.stdout);
    // The block number depends on the chain; the rest is exactly the doc's.
    assert.match(lines[0], new RegExp(`^${documented[0].replace(/block \d+/, "block \\d+").replace(/[.]/g, "\\.")}$`));
    assert.deepEqual(lines.slice(1), documented.slice(1));
  });

  it("posted through the typed binding: a Posted event of test account #3 with the example's text and fee", async () => {
    const logs = await anvil.client.getContractEvents({ address: pennyPost, abi: pennyPostAbi, eventName: "Posted", fromBlock: 0n });
    assert.equal(logs.length, 1);
    assert.equal(logs[0].args.author, anvil.accounts[3].address);
    assert.equal(logs[0].args.content, "hello from ethers");
    assert.equal(logs[0].args.fee, 10n ** 13n);
  });

  it("tipped it 0.001 ETH: the author is owed the tip minus the 2.5% protocol fee", async () => {
    const owed = await anvil.client.readContract({ address: pennyPost, abi: pennyPostAbi, functionName: "owed", args: [anvil.accounts[3].address, ETH] });
    assert.equal(owed, 975_000_000_000_000n);
    const tips = await anvil.client.getContractEvents({ address: pennyPost, abi: pennyPostAbi, eventName: "Tipped", fromBlock: 0n });
    assert.equal(parseEventLogs({ abi: pennyPostAbi, logs: tips }).length, 1);
  });
});
