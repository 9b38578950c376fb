// Runs before `npm start` and `npm test`, on any Node version (plain JavaScript, no dependencies):
// checks that Node is new enough (22.18: Hardhat 3 needs 22.13, and Node runs .ts files without a
// flag only from 22.18), and installs the locked dependencies when they are
// missing or older than package-lock.json. A fresh clone therefore needs no separate install step.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `PennyPost needs Node.js >= 22.18 (Hardhat 3, and TypeScript run directly); this is Node ${process.versions.node}.\n` +
      `Use the launcher, which takes Node 24 from the npm registry when needed: ./pennypost start (or ./pennypost test)`,
  );
  process.exit(1);
}

const installed = "node_modules/.package-lock.json";
const native = "node_modules/@nomicfoundation/edr-linux-x64-gnu";
const stale =
  !existsSync(installed) ||
  statSync(installed).mtimeMs < statSync("package-lock.json").mtimeMs ||
  (process.platform === "linux" && process.arch === "x64" && !existsSync(native));
if (stale) {
  // A fresh clone gets `npm ci` (the lockfile holds every platform's optional binaries, written by
  // `npm install --package-lock-only` under Node 24). An older install is brought up to date in
  // place (`npm ci` would delete node_modules under anything running from it).
  const fresh = !existsSync("node_modules");
  console.log(`Installing the locked dependencies (${fresh ? "npm ci" : "npm install"}): about a minute...`);
  const args = fresh ? ["ci", "--no-audit", "--no-fund"] : ["install", "--no-audit", "--no-fund", "--no-save"];
  const result = spawnSync("npm", args, { stdio: "inherit" });
  if (result.status !== 0) {
    console.error("npm install failed; see the output above. Check that the npm registry is reachable and retry.");
    process.exit(result.status ?? 1);
  }
}
