import { resolve } from "node:path";
import { defineConfig } from "vite";

// Hashed assets and a manifest in dist/, read by django-vite and served by WhiteNoise.
export default defineConfig({
  base: "/static/",
  build: {
    outDir: resolve(import.meta.dirname, "dist"),
    emptyOutDir: true,
    manifest: "manifest.json",
    // ECharts (the charts entry, loaded only by pages with a chart) is about 560 kB.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        app: resolve(import.meta.dirname, "src/app.ts"),
        // its own entry, which the chart component loads: a chunk imported from app.ts would
        // import app.ts again by its unhashed name (a second copy of Bootstrap's handlers)
        charts: resolve(import.meta.dirname, "src/charts.ts"),
      },
      onwarn(warning, warn) {
        // htmx evaluates hx-on attributes by design.
        if (warning.code === "EVAL" && warning.id?.includes("htmx.org")) return;
        warn(warning);
      },
    },
  },
});
