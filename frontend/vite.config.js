import { resolve } from "node:path";
import { defineConfig } from "vite";

// Hashed assets and a manifest in dist/, read by django-vite and served by WhiteNoise.
export default defineConfig({
  base: "/static/",
  build: {
    outDir: resolve(import.meta.dirname, "dist"),
    emptyOutDir: true,
    manifest: "manifest.json",
    // ECharts (the charts chunk, loaded only by pages with a chart) is about 560 kB.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        app: resolve(import.meta.dirname, "src/app.ts"),
      },
      onwarn(warning, warn) {
        // htmx evaluates hx-on attributes by design.
        if (warning.code === "EVAL" && warning.id?.includes("htmx.org")) return;
        warn(warning);
      },
    },
  },
});
