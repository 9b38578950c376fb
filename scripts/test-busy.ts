/**
 * `npm run test:busy [-- <hardhat test arguments>]`: the test suite on a loaded machine. Starts
 * BUSY_LOOPS (default 6) processes that spin a CPU each, runs `hardhat test` with the arguments
 * given (default: everything) beside them, stops them, and exits with the tests' exit code. The
 * tests wait for the conditions they check (test/support/wait.ts), so they pass here as on a quiet
 * machine, only slower; PENNYPOST_TEST_PATIENCE multiplies each wait's bound when a machine is
 * slower still.
 *   npm run test:busy
 *   npm run test:busy -- mocha test/relayer/durability.test.ts
 *   BUSY_LOOPS=2 npm run test:busy -- mocha test/cli/post.test.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import os from "node:os";

const loops = Number(process.env.BUSY_LOOPS ?? "6");
if (!Number.isInteger(loops) || loops < 0 || loops > 64) {
  console.error(`BUSY_LOOPS must be an integer from 0 to 64, not ${process.env.BUSY_LOOPS}`);
  process.exit(2);
}

const busy: ChildProcess[] = Array.from({ length: loops }, () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
const stopBusy = () => {
  for (const child of busy) if (child.exitCode === null) child.kill("SIGKILL");
};
process.on("exit", stopBusy);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopBusy();
    process.exit(130);
  });
}

console.log(`${loops} busy loops beside the tests (${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)})`);
const started = performance.now();
const tests = spawn(process.execPath, ["node_modules/.bin/hardhat", "test", ...process.argv.slice(2)], { stdio: "inherit" });
tests.on("exit", (code, signal) => {
  stopBusy();
  console.log(`tests ${code === 0 ? "passed" : "failed"} in ${Math.round((performance.now() - started) / 1000)} s beside ${loops} busy loops (load average ${os.loadavg()[0].toFixed(1)})`);
  process.exit(code ?? (signal === null ? 1 : 128));
});
