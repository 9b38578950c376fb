// Runs before `npm start` and `npm test`, on any Node version (plain JavaScript, no dependencies):
// checks that Node is new enough for Hardhat 3, and installs the locked dependencies when they are
// missing or older than package-lock.json. A fresh clone therefore needs no separate install step.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `PennyPost needs Node.js >= 22.13 (Hardhat 3); this is Node ${process.versions.node}.\n` +
      `Run the same command with Node 24 from the npm registry, for example:\n` +
      `  npx -y -p node@24 -- npm start\n` +
      `  npx -y -p node@24 -- npm test`,
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
  // `npm install --no-save` keeps the locked versions (npm 11.19's `npm ci` rejects a lockfile that
  // leaves out other platforms' optional binaries).
  console.log("Installing the locked dependencies...");
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save"], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error("npm install failed; see the output above. Check that the npm registry is reachable and retry.");
    process.exit(result.status ?? 1);
  }
}
