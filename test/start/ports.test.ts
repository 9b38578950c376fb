/**
 * `npm start` (scripts/start.ts) with a busy port: one line naming the variable that moves it,
 * exit code 1, before anything is started or compiled.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:net";

import { after, before, describe, it } from "mocha";

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
const portOf = (server: Server) => (server.address() as { port: number }).port;

function start(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["scripts/start.ts"], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr });
    });
  });
}

describe("npm start with a busy port", function () {
  this.timeout(60_000);
  let busy: Server;
  let free: number;

  before(async () => {
    busy = await listen();
    const probe = await listen();
    free = portOf(probe);
    await new Promise((resolve) => probe.close(resolve));
  });
  after(() => new Promise((resolve) => busy.close(resolve)));

  it("a busy CHAIN_PORT: one line naming CHAIN_PORT, exit 1", async () => {
    const result = await start({ CHAIN_PORT: String(portOf(busy)), HTTP_PORT: String(free) });
    assert.equal(result.status, 1, result.stderr);
    assert.equal(result.stdout, "");
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], new RegExp(`^Port ${portOf(busy)} on 127\\.0\\.0\\.1 \\(the local chain's JSON-RPC\\) is already in use: .* choose another port with CHAIN_PORT, e\\.g\\. CHAIN_PORT=\\d+ \\./pennypost start$`));
  });

  it("a busy HTTP_PORT: one line naming HTTP_PORT, exit 1", async () => {
    const result = await start({ CHAIN_PORT: String(free), HTTP_PORT: String(portOf(busy)) });
    assert.equal(result.status, 1, result.stderr);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], new RegExp(`^Port ${portOf(busy)} on 127\\.0\\.0\\.1 \\(the API and web page\\) is already in use: .* choose another port with HTTP_PORT`));
  });

  it("a port that is not a number: one line naming the variable", async () => {
    const result = await start({ CHAIN_PORT: "eighty", HTTP_PORT: String(free) });
    assert.equal(result.status, 1);
    assert.equal(result.stderr.trim(), 'CHAIN_PORT must be a port number (1-65535), not eighty');
  });
});
