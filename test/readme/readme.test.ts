/**
 * The README's own commands, exactly as written and in its order: the quick start's
 * `./pennypost start`, then every command of "Try it", with the README's `post.ts` saved where the
 * README says. Commands come from the fenced blocks marked `<!-- readme-test: ... -->`, so what
 * the README shows is what runs.
 *
 * The README's commands use the fixed ports 8545 and 8080. The test runs them in a copy of the
 * working tree (tracked and new files, node_modules linked; it compiles as a fresh clone does), inside a network
 * namespace of its own (`unshare -n`, root), so that it neither meets nor disturbs anything else
 * on this machine. Without unshare it runs on the machine's loopback when both ports are free.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { after, before, describe, it } from "mocha";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The fenced block after each `<!-- readme-test: <name> -->` marker, by name. */
export function readmeBlocks(markdown: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const marker = /<!-- readme-test: ([^>]+?) -->\s*\n```[a-z]*\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(marker)) blocks.set(match[1].trim(), match[2]);
  return blocks;
}

/** A block's commands: one per line, without the trailing `# comment`. */
export function commands(block: string): string[] {
  return block.split("\n").map((line) => line.replace(/\s+#\s.*$/, "").trim()).filter((line) => line !== "");
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** A copy of the working tree's tracked files (times kept, so the install is not seen as stale). */
function copyTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "pennypost-readme-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\0").filter((file) => file !== "" && existsSync(path.join(ROOT, file)) && !file.startsWith("test/") && !file.startsWith("bench/"));
  for (const file of files) cpSync(path.join(ROOT, file), path.join(dir, file), { preserveTimestamps: true });
  // No artifacts/ or cache/: Hardhat's cache names files by absolute path. The copy compiles, as a fresh clone does.
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

describe("README: the quick start and 'Try it', as written", function () {
  this.timeout(20 * 60_000);
  const blocks = readmeBlocks(readFileSync(path.join(ROOT, "README.md"), "utf8"));
  const quickStart = commands(blocks.get("quick-start") ?? "");
  const tryIt = [...blocks.keys()].filter((name) => name.startsWith("try-it")).flatMap((name) => commands(blocks.get(name) ?? ""));
  let dir = "";
  const results = new Map<number, { rc: number; output: string }>();
  let startLog = "";

  before(async function () {
    assert.deepEqual(quickStart, ["./pennypost start", "./pennypost test"], "the quick start: one command that runs the stack, one that runs the tests");
    assert.ok(tryIt.length >= 5, "the README's try-it commands are marked");
    const isolated = spawnSync("unshare", ["-n", "true"]).status === 0;
    if (!isolated && !((await portFree(8545)) && (await portFree(8080)))) {
      throw new Error("ports 8545 or 8080 are busy and this user cannot make a network namespace (unshare -n, root): stop what uses them and run again");
    }
    dir = copyTree();
    const file = [...blocks.keys()].find((name) => name.startsWith("file "));
    if (file !== undefined) writeFileSync(path.join(dir, file.slice("file ".length)), `${blocks.get(file)}\n`);

    const script = [
      "set -u",
      isolated ? "ip link set lo up" : "",
      `cd ${JSON.stringify(dir)}`,
      "set -m", // the stack gets a process group of its own, stopped as one at the end
      `${quickStart[0]} > .readme-start.log 2>&1 &`,
      "pid=$!",
      "set +m",
      'until grep -q "PennyPost is running." .readme-start.log; do',
      '  if ! kill -0 "$pid" 2>/dev/null; then echo "::start-failed"; exit 0; fi',
      "  sleep 0.5",
      "done",
      ...tryIt.flatMap((command, i) => [`echo "::cmd ${i}"`, `( ${command} ) 2>&1`, `rc=$?; echo; echo "::rc ${i} $rc"`]),
      'kill -INT -- "-$pid"; wait "$pid" 2>/dev/null; true',
    ].join("\n");
    const output = await new Promise<string>((resolve, reject) => {
      // As a newcomer's shell: without the test runner's Hardhat variables (HARDHAT_CONFIG names this tree's config).
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(HARDHAT|HH)_/.test(name)));
      const child = isolated ? spawn("unshare", ["-n", "bash", "-c", script], { env }) : spawn("bash", ["-c", script], { env });
      let text = "";
      child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
      child.on("error", reject);
      child.on("exit", () => resolve(text));
    });
    startLog = existsSync(path.join(dir, ".readme-start.log")) ? readFileSync(path.join(dir, ".readme-start.log"), "utf8") : "";
    assert.ok(!output.includes("::start-failed"), `${quickStart[0]} stopped before its banner:\n${startLog}`);
    const parts = output.split(/^::cmd (\d+)\n/m);
    for (let i = 1; i < parts.length; i += 2) {
      const index = Number(parts[i]);
      const rc = /^::rc \d+ (\d+)$/m.exec(parts[i + 1]);
      results.set(index, { rc: rc === null ? -1 : Number(rc[1]), output: parts[i + 1].replace(/^::rc .*$/m, "").trim() });
    }
  });
  after(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("the first quick-start command starts the stack and prints its banner, with progress during the waits", () => {
    assert.match(startLog, /PennyPost is running\./);
    assert.match(startLog, /Compiling the contracts/);
    assert.doesNotMatch(startLog, /EBADDEVENGINES/);
  });

  it("every try-it command exits 0, in the README's order", () => {
    tryIt.forEach((command, i) => {
      const result = results.get(i);
      assert.ok(result !== undefined, `${command}: did not run`);
      assert.equal(result.rc, 0, `${command} exited ${result.rc}:\n${result.output}`);
      assert.doesNotMatch(result.output, /^Error:/m, command);
    });
  });

  it("what the README says each one does: post #1, post.ts prints post #2, the anchored post is #3 and verifies against the chain", () => {
    const output = (prefix: string) => [...results.entries()].find(([i]) => tryIt[i].startsWith(prefix))?.[1].output ?? "";
    assert.match(output('./pennypost post --text "hello, paid world"'), /^post +#1$/m);
    assert.match(output("./pennypost node post.ts"), /^post #2 in block \d+, gas \d+$/m);
    assert.match(output("./pennypost tip --post 1"), /^tipped +post #1$/m);
    assert.match(output("./pennypost feed"), /hello from my own script/);
    assert.match(output("./pennypost post --text \"hello via anchored-calldata\""), /^post +#3$/m);
    assert.match(output("./pennypost show --post 3 --verify"), /^mode +anchored-calldata/m);
    // The fee an anchored post's author paid (its transaction carries none): its signed running total, seq 1.
    assert.match(output("./pennypost show --post 3 --verify"), /^fee paid +0\.00001 ETH \(signed: 0\.00001 ETH of anchored fees through this post, seq 1;/m);
    assert.match(output("curl -s 127.0.0.1:8080/v1/posts/3"), /"id":"3".*"content":"hello via anchored-calldata"/);
  });
});
