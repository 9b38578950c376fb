/**
 * The deployment file: where the contracts of one network live and from which block to index them.
 * Written by `npm run deploy` (scripts/deploy.ts) as deployments/<network>.json; read by the server,
 * the CLI and the benchmark.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte hex address");

export const deploymentSchema = z.object({
  network: z.string().min(1),
  chainId: z.number().int().positive(),
  /** A block at or before the deployment: indexers start here. */
  startBlock: z.number().int().nonnegative(),
  contracts: z.object({
    PennyPost: address,
    PennyTestToken: address.optional(),
  }),
  deployedAt: z.string(),
});

export type Deployment = z.infer<typeof deploymentSchema>;

export const DEPLOYMENTS_DIR = "deployments";

export function deploymentPath(networkName: string, dir: string = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${networkName}.json`);
}

export async function writeDeployment(deployment: Deployment, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(deploymentSchema.parse(deployment), null, 2)}\n`);
}

/** Reads and validates a deployment file; the error says which file and what to do. */
export async function readDeployment(file: string): Promise<Deployment> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new Error(`No deployment file at ${file}. Deploy first: npm run deploy -- --network <name>`);
  }
  const parsed = deploymentSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`Deployment file ${file} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export async function readDeploymentIfExists(file: string): Promise<Deployment | undefined> {
  try {
    return await readDeployment(file);
  } catch {
    return undefined;
  }
}
