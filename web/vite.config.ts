/**
 * Builds the page (web/) into dist/web, which the server serves at / (WEB_DIR).
 *   vite build --config web/vite.config.ts            (npm run build:web; npm start runs it)
 * Paths are resolved from this file, so the build works from any working directory.
 */
import { fileURLToPath } from "node:url";

import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)), // web/
  base: "/",
  publicDir: "public",
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
    target: "es2022",
    // viem, its ABI coders and the HD-key code for the development wallet: one chunk of ~150 kB gzip.
    chunkSizeWarningLimit: 800,
  },
});
