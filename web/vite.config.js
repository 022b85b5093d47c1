import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The bundle goes where the Python package serves it from (raqib/server/static/).
export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../raqib/server/static', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { '/api': { target: 'http://127.0.0.1:8080', ws: true } },
  },
});
