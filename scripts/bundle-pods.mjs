// Bundles each pod program into one ESM file (plus lazily loaded chunks) so a tenant pod starts fast:
// a bundled program needs about half the start-up CPU and less memory than the same code loaded
// module by module from node_modules. See docs/benchmarks.md.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const programs = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];

await Promise.all(
  programs.map((program) => {
    // Chunk names are content hashes: start clean so no stale chunk is left beside the new ones.
    rmSync(`packages/pod/${program}/dist/bundle`, { recursive: true, force: true });
    return build({
      entryPoints: { main: `packages/pod/${program}/dist/main.js` },
      outdir: `packages/pod/${program}/dist/bundle`,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      // Native add-ons: optional ones loaded only when present, and @node-rs/argon2, which loads the
      // prebuilt package of its platform. The Kafka and Cassandra clients (and MSK's IAM signer) load only when configured (and
      // Kafka's reads a WebAssembly file beside its own code). The frontend shares React Router with its
      // app build, so one copy loads.
      external: [
        'pg-native',
        'msgpackr-extract',
        '@node-rs/argon2',
        '@platformatic/kafka',
        'aws-msk-iam-sasl-signer-js',
        'cassandra-driver',
        ...(program === 'frontend' ? ['react', 'react-dom', 'react-router', '@react-router/node'] : []),
      ],
      // CommonJS dependencies inside an ES module bundle need a require of their own.
      banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }),
);
