// Bundles each pod program so a tenant pod starts fast: a bundled program needs about half the start-up
// CPU and less memory than the same code loaded module by module from node_modules (docs/benchmarks.md).
//
// Each program becomes one CommonJS file (`program.cjs`) run by a small `main.cjs` through V8's code cache,
// which this script then writes by loading each program once with the V8 flags the pod manifest gives it: a
// start then skips most of its compilation. The frontend's bundle takes in its React Router server build
// (an ES module, imported statically) and React, built for production.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { build } from 'esbuild';
import { defaultPodManifest } from '@tenantry/pod-manifest';

const PROGRAMS = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];

// Native add-ons: optional ones loaded only when present, and @node-rs/argon2, which loads the prebuilt
// package of its platform. The Kafka and Cassandra clients (and MSK's IAM signer) load only when configured
// (and Kafka's reads a WebAssembly file beside its own code).
const EXTERNAL = ['pg-native', 'msgpackr-extract', '@node-rs/argon2', '@platformatic/kafka', 'aws-msk-iam-sasl-signer-js', 'cassandra-driver'];

function bundleDir(program) {
  return `packages/pod/${program}/dist/bundle`;
}

async function cachedBundle(program) {
  await build({
    entryPoints: [`packages/pod/${program}/dist/main.js`],
    outfile: `${bundleDir(program)}/program.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    // A cached script cannot import() on Node 20: lazily loaded modules are required (an ES module package
    // too, which Node 20.19 and later can require). import.meta is given its meaning for a CommonJS file.
    // Node 21 and later have a navigator; on Node 20 the bundle gets one like it, so that libraries probing
    // for a browser or Cloudflare Workers find what they find there (pg otherwise builds a fetch Response to
    // tell, which loads Node 20's fetch: about 25 ms of each program's start).
    supported: { 'dynamic-import': false },
    minifyWhitespace: true,
    define: {
      'import.meta.url': '__importMetaUrl',
      'import.meta.resolve': '__importMetaResolve',
      // React's packages choose their build by NODE_ENV when loaded: the frontend's bundle holds only the production one.
      ...(program === 'frontend' ? { 'process.env.NODE_ENV': '"production"' } : {}),
    },
    banner: {
      js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href; const __importMetaResolve = (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href; const navigator = globalThis.navigator ?? { userAgent: `Node.js/${process.versions.node.split('.')[0]}` };",
    },
    logLevel: 'warning',
  });
  await build({
    stdin: {
      contents: "import { runCachedBundle } from '@tenantry/core/code-cache'; runCachedBundle(require('node:path').join(__dirname, 'program.cjs'));",
      resolveDir: '.',
    },
    outfile: `${bundleDir(program)}/main.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

// Start clean: no file of an earlier build (a cache, a source map) is left beside the new ones.
for (const program of PROGRAMS) rmSync(bundleDir(program), { recursive: true, force: true });
await Promise.all(PROGRAMS.map(cachedBundle));

const manifest = defaultPodManifest();
for (const program of PROGRAMS) {
  const { args } = manifest.programs.find((p) => p.name === program);
  const flags = args.filter((arg) => arg.startsWith('--'));
  execFileSync(process.execPath, [...flags, 'packages/core/dist/prime-code-cache.js', `${bundleDir(program)}/program.cjs`], { stdio: 'inherit' });
}
