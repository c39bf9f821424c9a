import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";

const outDir = fileURLToPath(new URL("../kubeorch/static/frontend", import.meta.url));

export default defineConfig({
  plugins: [react()],
  base: "/static/frontend/",
  build: {
    outDir,
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    chunkSizeWarningLimit: 700,
    rollupOptions: { input: "src/main.tsx" },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
