// Builds the dashboard into the Python package, where `deepscope serve` finds it.
// The server's CSP allows no inline script or style, so everything is emitted as external files.
import preact from "@preact/preset-vite";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  base: "./",
  build: {
    outDir: "../src/deepscope/server/static",
    emptyOutDir: true,
    assetsDir: "assets",
    // Never inline assets as data: URLs into JS/CSS, and never inline the entry script.
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022",
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` proxies the API to a running `deepscope serve` (default port 6007).
    proxy: { "/api": { target: "http://127.0.0.1:6007", changeOrigin: false } },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
