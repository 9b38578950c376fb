/**
 * Every command, fed bad arguments, fails the same way: exit code 1, nothing on stdout and one line
 * on stderr that says what to do (never a library's multi-line dump). Suggested commands repeat
 * the command's --network, --deployment and --from, so that they work when pasted; amounts are in
 * the asset's units; the help marks required options and shows no "(default: 0)" for ids.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { after, before, describe, it } from "mocha";

import type { RunningServer } from "../../server/main.ts";
import { pennyPostTasks } from "../../tasks/definitions.ts";
import { removeTempDirs } from "../indexer/helpers.ts";
import { PATIENCE_MS } from "../support/wait.ts";
import { assertFails, pennypost, startApi, startCliChain, untilIndexed, type CliChain } from "./helpers.ts";

describe("pennypost: one line for every bad argument (CLI)", function () {
  this.timeout(5 * PATIENCE_MS); // each CLI run is bounded by PATIENCE_MS (helpers.ts)
  let chain: CliChain;
  let api: RunningServer;
  /**
   * What a suggested command repeats of the command at hand (these children sign with the key
   * of PENNYPOST_DEPLOYER_KEY, so their --from is the default, which is left out).
   */
  let where: (from: number) => string;

  before(async () => {
    chain = await startCliChain();
    api = await startApi(chain);
    const posted = await pennypost(chain, ["post", "--text", "the one post"], { as: 1 });
    assert.equal(posted.status, 0, posted.stderr);
    await untilIndexed(chain, api);
    const escaped = chain.deploymentFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    where = () => ` --network custom --deployment ${escaped}`;
  });
  after(async () => {
    await api?.stop();
    await chain?.stop();
    await removeTempDirs();
  });

  it("a tip worth more than the account holds: one line in ETH, not viem's dump", async () => {
    assertFails(await pennypost(chain, ["tip", "--post", "1", "--amount", "100000"], { as: 2 }), /holds 10000 ETH, the tip needs 100000 ETH plus gas/);
  });

  it("a deposit worth more than the account holds: one line in ETH", async () => {
    assertFails(await pennypost(chain, ["deposit", "--amount", "100000"], { as: 2 }), /holds 10000 ETH, the deposit needs 100000 ETH plus gas/);
  });

  it("a relayed post without a deposit: the amounts in ETH and a deposit command that works when pasted", async () => {
    const result = await pennypost(chain, ["post", "--text", "x", "--via", "anchored-hash", "--api", api.url], { as: 3 });
    assertFails(result, new RegExp(`has 0 ETH free, 0\\.00001 ETH needed; deposit first: \`\\./pennypost deposit --amount 0\\.001${where(3)}\`$`));
  });

  it("--complete without a pending withdrawal: the --withdraw command with the same --network and --from", async () => {
    const result = await pennypost(chain, ["deposit", "--complete"], { as: 4 });
    assertFails(result, new RegExp(`no pending withdrawal of its ETH deposit; start one with \`\\./pennypost deposit --withdraw${where(4)}\`$`));
  });

  it("deposit --withdraw: 'deposit now' leaves out what was requested, and names the --complete command", async () => {
    const deposited = await pennypost(chain, ["deposit", "--amount", "0.01"], { as: 5 });
    assert.equal(deposited.status, 0, deposited.stderr);
    const requested = await pennypost(chain, ["deposit", "--withdraw", "--amount", "0.004"], { as: 5 });
    assert.equal(requested.status, 0, requested.stderr);
    assert.match(requested.stdout, /^deposit now +0\.006 ETH after the withdrawal \(0\.004 ETH leaves at --complete\)$/m);
    assert.match(requested.stdout, new RegExp(`then run \`\\./pennypost deposit --complete${where(5)}\``));
  });

  it("--token that is neither ETH, PPTEST nor an address: names the three", async () => {
    assertFails(await pennypost(chain, ["tip", "--post", "1", "--amount", "1", "--token", "NOPE"], { as: 2 }), /--token must be ETH, PPTEST \(the local test token\) or a token's 0x address, not "NOPE"/);
    assertFails(await pennypost(chain, ["deposit", "--amount", "1", "--token", "NOPE"], { as: 2 }), /--token must be ETH, PPTEST/);
    assertFails(await pennypost(chain, ["withdraw", "--asset", "NOPE"], { as: 2 }), /--asset must be ETH, PPTEST/);
  });

  it("--limit above the API's page size: gives the maximum", async () => {
    assertFails(await pennypost(undefined, ["feed", "--limit", "1000", "--api", api.url]), /--limit is at most 100 /);
  });

  it("--deployment naming no file: says to check the path, not to deploy", async () => {
    const result = await pennypost(undefined, ["post", "--text", "x", "--network", "custom", "--deployment", "/no/such/file.json"], {
      env: { PENNYPOST_RPC_URL: chain.anvil.url, PENNYPOST_DEPLOYER_KEY: chain.key(1) },
    });
    assertFails(result, /^Error: --deployment \/no\/such\/file\.json: there is no such file; check the path/);
  });

  it("an id that is not a number: one line naming the option", async () => {
    assertFails(await pennypost(chain, ["tip", "--post", "abc", "--amount", "1"]), /--post must be a post id, a whole number from 1, not "abc"/);
    assertFails(await pennypost(undefined, ["show", "--post", "0", "--api", api.url]), /--post must be a post id/);
    assertFails(await pennypost(chain, ["reply", "--text", "x"]), /give the post's id with --parent <id>/);
  });

  it("--help marks the required options and shows no default for ids", async () => {
    for (const [command, required] of [["post", ["--text"]], ["reply", ["--parent", "--text"]], ["tip", ["--post", "--amount"]], ["show", ["--post"]], ["session", ["--key"]]] as const) {
      const help = await pennypost(undefined, [command, "--help"]);
      assert.equal(help.status, 0, help.stderr);
      for (const option of required) {
        const line = help.stdout.split("\n").find((l) => l.startsWith(`  ${option} `)) ?? "";
        assert.match(line, new RegExp(`^  ${option} +Required`), `${command} --help: ${option}`);
        assert.doesNotMatch(line, /\(default:/, `${command} --help: ${option}`);
      }
    }
  });

  it("./pennypost --help lists every command of the command line, as the README says", async () => {
    const { stdout } = await promisify(execFile)("bash", ["pennypost", "--help"], { timeout: PATIENCE_MS });
    const commands = pennyPostTasks.map((t) => t.id).filter((id) => id.length === 2 && id[0] === "pennypost").map((id) => id[1]!);
    assert.ok(commands.length >= 9, commands.join(", "));
    for (const command of commands) assert.match(stdout, new RegExp(`^  \\./pennypost ${command} +\\S`, "m"), `${command} is listed`);
  });
});
