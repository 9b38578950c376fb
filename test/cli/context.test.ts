import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { after, before, describe, it } from "mocha";

import { freePort } from "../indexer/anvil.ts";
import { removeTempDirs, tempDir } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, pennypost, startCliChain, type CliChain } from "./helpers.ts";

describe("pennypost: network, deployment file and account (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let dir: string;

  before(async () => {
    chain = await startCliChain();
    dir = await tempDir("cli-context");
  });
  after(async () => {
    await chain.stop();
    await removeTempDirs();
  });

  /** `post` on network custom with its own deployment file and RPC URL. */
  async function postWith(deployment: object | string | undefined, url = chain.anvil.url) {
    const file = path.join(dir, `deployment-${Math.random().toString(36).slice(2)}.json`);
    if (deployment !== undefined) await writeFile(file, typeof deployment === "string" ? deployment : JSON.stringify(deployment));
    return pennypost(undefined, ["post", "--text", "x", "--network", "custom", "--deployment", file], {
      env: { PENNYPOST_RPC_URL: url, PENNYPOST_DEPLOYER_KEY: chain.key(1) },
    });
  }
  const valid = () => ({
    network: "custom", chainId: 31337, startBlock: 0, contracts: { PennyPost: chain.pennyPost }, deployedAt: new Date().toISOString(),
  });

  it("says what to do for each setup mistake, one line each, exit code 1", async () => {
    const deadNode = `http://127.0.0.1:${await freePort()}`;
    const [noNetwork, missing, invalid, notJson, otherChain, noCode, nodeDown] = await Promise.all([
      pennypost(undefined, ["post", "--text", "x"]),
      postWith(undefined),
      postWith({ ...valid(), contracts: { PennyPost: "nope" } }),
      postWith("{"),
      postWith({ ...valid(), chainId: 1 }),
      postWith({ ...valid(), contracts: { PennyPost: "0x000000000000000000000000000000000000dEaD" } }),
      postWith(valid(), deadNode),
    ]);
    assertFails(noNetwork, /network "default" is Hardhat's in-process chain, which starts empty for every command: add --network localhost/);
    assertFails(missing, /--deployment .*\.json: there is no such file; check the path/);
    assertFails(invalid, /Deployment file .*\.json is invalid: .*contracts\.PennyPost/);
    assertFails(notJson, /\.json: .*JSON/);
    assertFails(otherChain, /is for chain 1, but network "custom" is chain 31337; choose the matching --network or deploy/);
    assertFails(noCode, /no contract at 0x000000000000000000000000000000000000dEaD on network "custom" \(a local node starts empty each time, .*\); deploy again: `\.\/pennypost deploy --network custom`$/);
    assertFails(nodeDown, new RegExp(`no JSON-RPC node answers at ${deadNode} \\(network "custom"\\); start it or fix the network's URL`));
  });

  it("leaves a missing configuration variable to Hardhat, which names it (HHE7)", async () => {
    const result = await pennypost(undefined, ["post", "--text", "x", "--network", "custom", "--deployment", chain.deploymentFile], {
      env: { PENNYPOST_RPC_URL: undefined, PENNYPOST_DEPLOYER_KEY: undefined },
    });
    assertFails(result, /^Error: HHE7: Configuration Variable "PENNYPOST_RPC_URL" not found\.$/);
  });
});
