#!/usr/bin/env node
// Idle memory per tenant of the SSR frontend frameworks we could run in each tenant pod:
// Next.js 16 (standalone output, App Router) against React Router 7 in framework mode, served by a
// bare node:http server (`rr-node`) and by the express-based `@react-router/serve` (`rr-serve`), with
// a framework-less node:http server (`node-http-baseline`) as the floor Node itself costs.
//
// The script needs nothing from this repository: it writes two equivalent apps into a new folder
// under the OS temp dir, installs their dependencies from the npm registry, builds them, and for
// each variant (and each round) starts the production server, waits for the first 200, warms it up,
// waits until its memory settles, and measures the whole process tree (VmRSS, PSS, USS), the start-up
// time, req/s and latency over a bounded run, the size of what would be deployed and the build time.
// One page per app: the server fetches a tenant's JSON from a loopback "backend" this script runs,
// renders the tenant name and a list of 10 projects, plus a client-side counter button that hydrates.
//
//   node bench/frontend-frameworks.mjs [--rounds 3] [--warmup 200] [--requests 2000]
//       [--concurrency 10] [--only next-standalone,rr-node,rr-serve,node-http-baseline]
//       [--limit-s 1800] [--install-timeout-s 900] [--keep-workdir] [--node /path/to/node[,/path/to/other/node]]
//       [--node-options "--max-semi-space-size=16"] [--out bench/results/frontend-frameworks.json]
//
// --node runs the servers (not the installs and builds) with other Node executables, e.g. the
// production Node major next to the local one; each variant is then measured once per executable.
// --node-options is given to the servers as NODE_OPTIONS (and recorded), to try V8 heap settings.
//
// Writes bench/results/frontend-frameworks.json and prints a summary. Everything it starts is
// stopped on exit, error, time limit or Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { anyFreePort, processTree } from './lib/platform.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_RESULTS_FILE = join(ROOT, 'bench', 'results', 'frontend-frameworks.json');

// Pinned so that runs compare; the results record what was actually installed.
const VERSIONS = {
  next: '16.4.6',
  react: '19.3.1',
  'react-dom': '19.3.1',
  // react-router 8 needs Node 22+; the 7.x line runs on Node 20 and 24.
  'react-router': '7.18.4',
  '@react-router/node': '7.18.4',
  '@react-router/serve': '7.18.4',
  '@react-router/dev': '7.18.4',
  vite: '^7.3.8',
  isbot: '^5.2.3',
};
const ALL_VARIANTS = ['next-standalone', 'rr-node', 'rr-serve', 'node-http-baseline'];

// ---------------------------------------------------------------- flags, logging, small helpers

function parseFlags(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const key = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || !(key in defaults)) {
      throw new Error(
        `unknown argument ${arg}; known: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(' ')}`,
      );
    }
    if (typeof defaults[key] === 'boolean') out[key] = true;
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      out[key] = typeof defaults[key] === 'number' ? Number(value) : value;
      if (typeof defaults[key] === 'number' && !(out[key] >= 0)) throw new Error(`${arg} must be a number >= 0`);
    }
  }
  return out;
}

const flags = parseFlags(process.argv.slice(2), {
  rounds: 3,
  warmup: 200,
  requests: 2000,
  concurrency: 10,
  only: ALL_VARIANTS.join(','),
  'limit-s': 1800,
  'install-timeout-s': 900,
  'keep-workdir': false,
  node: '',
  'node-options': '',
  out: relative(ROOT, DEFAULT_RESULTS_FILE),
});
const RESULTS_FILE = resolve(ROOT, flags.out);
const selected = flags.only
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const v of selected) if (!ALL_VARIANTS.includes(v)) throw new Error(`unknown variant ${v}; known: ${ALL_VARIANTS.join(', ')}`);

const SERVER_NODES = (flags.node ? flags.node.split(',').map((s) => resolve(s.trim())) : [process.execPath]).map((bin) => ({
  bin,
  version: execFileSync(bin, ['-p', 'process.version'], { encoding: 'utf8' }).trim(),
}));

const startedAt = Date.now();
const log = (line) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)} +${((Date.now() - startedAt) / 1000).toFixed(0)}s] ${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round1 = (x) => (x == null ? null : Math.round(x * 10) / 10);
const mib = (kib) => round1(kib / 1024);
const median = (xs) => {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : null);

let WORK; // the temp work folder; replaced by <workdir> in anything written to the results
const scrub = (s) => {
  let out = String(s);
  if (WORK) out = out.replaceAll(WORK, '<workdir>');
  for (const { bin } of SERVER_NODES) out = out.replaceAll(bin, 'node');
  return out.replaceAll(process.execPath, 'node').replaceAll(`${ROOT}/`, '');
};

// ---------------------------------------------------------------- processes we start, and cleanup

const children = new Set();

/** Spawns `cmd` as the leader of a new process group, so the group (its whole tree) can be killed. */
function spawnTracked(cmd, args, opts) {
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.exited = new Promise((r) => {
    child.once('exit', (code, signal) => r({ code, signal }));
    child.once('error', (error) => r({ code: null, signal: error.code ?? error.message })); // e.g. ENOENT: it never ran
  });
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function stopChild(child, graceMs = 5000) {
  if (!children.has(child)) return;
  killGroup(child, 'SIGTERM');
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  // Kill the group even when the leader has exited: a worker it forked may still run.
  killGroup(child, 'SIGKILL');
  if (!done) await Promise.race([child.exited, sleep(2000)]);
}

let backend;
let cleaning;
async function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...children].map((c) => stopChild(c, 3000)));
    if (backend) await backend.worker.terminate().catch(() => {});
    if (WORK && !flags['keep-workdir']) rmSync(WORK, { recursive: true, force: true });
    else if (WORK) log(`work folder kept: ${WORK}`);
  })();
  return cleaning;
}
process.on('exit', () => {
  for (const c of children) killGroup(c, 'SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping everything`);
    cleanup().finally(() => process.exit(130));
  });
}
const limitTimer = setTimeout(() => {
  log(`time limit of ${flags['limit-s']} s reached: stopping everything`);
  cleanup().finally(() => process.exit(1));
}, flags['limit-s'] * 1000);
limitTimer.unref();

/**
 * Runs a command to completion, printing its output with a prefix and a heartbeat while it is
 * silent, killing it after `timeoutMs`. Resolves with the wall time; rejects with the output's tail.
 */
async function run(label, cmd, args, { cwd, env = {}, timeoutMs = 600_000 } = {}) {
  log(`${label}: ${[cmd, ...args].join(' ')}`);
  const t0 = performance.now();
  const child = spawnTracked(cmd, args, { cwd, env: { ...process.env, ...env } });
  const tail = [];
  let lastOutput = Date.now();
  const onData = (buf) => {
    lastOutput = Date.now();
    for (const line of buf.toString().split(/\r?\n/)) {
      if (!line.trim()) continue;
      process.stdout.write(`    ${label} | ${line}\n`);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const heartbeat = setInterval(() => {
    if (Date.now() - lastOutput >= 15_000) log(`${label}: still running (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }, 15_000);
  const timer = setTimeout(() => {
    log(`${label}: timed out after ${timeoutMs / 1000} s`);
    stopChild(child, 2000);
  }, timeoutMs);
  const { code, signal } = await child.exited;
  clearInterval(heartbeat);
  clearTimeout(timer);
  const seconds = round1((performance.now() - t0) / 1000);
  if (code !== 0) throw new Error(`${label} failed (exit ${code ?? signal}) after ${seconds} s:\n${tail.join('\n')}`);
  log(`${label}: done in ${seconds} s`);
  return seconds;
}

// ---------------------------------------------------------------- /proc: process tree and memory

/** User + system CPU time (ms) used so far by the processes now in the tree (USER_HZ = 100). */
function treeCpuMs(rootPid) {
  let ticks = 0;
  for (const pid of processTree(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      /* exited meanwhile */
    }
  }
  return ticks * 10;
}

function treeRssKiB(rootPid) {
  let total = 0;
  for (const pid of processTree(rootPid)) {
    try {
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}

/** RSS, PSS, USS (private clean + dirty) and anonymous memory (kB) of each process in the tree. */
function memorySnapshot(rootPid) {
  const processes = [];
  for (const pid of processTree(rootPid)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const f = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const threads = Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      processes.push({
        pid,
        comm,
        title: scrub(cmdline).slice(0, 160),
        threads,
        rssKiB: f('Rss'),
        pssKiB: f('Pss'),
        ussKiB: f('Private_Clean') + f('Private_Dirty'),
        anonKiB: f('Anonymous'),
      });
    } catch {
      /* exited meanwhile */
    }
  }
  const sum = (k) => processes.reduce((a, p) => a + p[k], 0);
  return {
    processCount: processes.length,
    rssKiB: sum('rssKiB'),
    pssKiB: sum('pssKiB'),
    ussKiB: sum('ussKiB'),
    anonKiB: sum('anonKiB'),
    processes,
  };
}

/** Polls the tree's RSS once a second until two readings in a row are within 1 MiB (max 30 s). */
async function waitIdle(rootPid, { deadlineMs = 30_000, toleranceKiB = 1024 } = {}) {
  const t0 = performance.now();
  let prev = treeRssKiB(rootPid);
  let settled = false;
  while (performance.now() - t0 < deadlineMs) {
    await sleep(1000);
    const cur = treeRssKiB(rootPid);
    if (Math.abs(cur - prev) <= toleranceKiB) {
      settled = true;
      break;
    }
    prev = cur;
  }
  return { settled, waitedMs: Math.round(performance.now() - t0), ...memorySnapshot(rootPid) };
}

// ---------------------------------------------------------------- the loopback backend

const BACKEND_CODE = `
const { createServer } = require('node:http');
const { parentPort } = require('node:worker_threads');
const tenant = {
  name: 'Acme',
  plan: 'production',
  projects: Array.from({ length: 10 }, (_, i) => ({
    id: i + 1, name: 'Project ' + (i + 1), status: i % 3 === 0 ? 'active' : 'paused', members: 3 + i,
  })),
};
const body = JSON.stringify(tenant);
let count = 0;
const server = createServer((req, res) => {
  count += 1;
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => parentPort.postMessage({ count }));
`;

async function startBackend() {
  const worker = new Worker(BACKEND_CODE, { eval: true });
  const { port } = await new Promise((r, j) => {
    worker.once('message', r);
    worker.once('error', j);
  });
  const count = () =>
    new Promise((r) => {
      worker.once('message', (m) => r(m.count));
      worker.postMessage('count');
    });
  return { worker, url: `http://127.0.0.1:${port}`, count };
}

// ---------------------------------------------------------------- the apps' sources

const NEXT_FILES = {
  'package.json': JSON.stringify(
    {
      name: 'bench-next-app',
      private: true,
      scripts: { build: 'next build' },
      dependencies: { next: VERSIONS.next, react: VERSIONS.react, 'react-dom': VERSIONS['react-dom'] },
    },
    null,
    2,
  ),
  'next.config.mjs': `import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** @type {import('next').NextConfig} */
export default {
  output: 'standalone',
  outputFileTracingRoot: root,
  turbopack: { root },
  poweredByHeader: false,
};
`,
  'app/layout.jsx': `export const metadata = { title: 'Tenant' };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
`,
  'app/page.jsx': `import Counter from './counter';

export const dynamic = 'force-dynamic';

export default async function Page() {
  const res = await fetch(\`\${process.env.BACKEND_URL}/tenant\`, { cache: 'no-store' });
  if (!res.ok) throw new Error(\`backend answered \${res.status}\`);
  const tenant = await res.json();
  return (
    <main>
      <h1>{tenant.name}</h1>
      <ul>
        {tenant.projects.map((p) => (
          <li key={p.id}>{\`\${p.name} (\${p.status}, \${p.members} members)\`}</li>
        ))}
      </ul>
      <Counter />
    </main>
  );
}
`,
  'app/counter.jsx': `'use client';

import { useState } from 'react';

export default function Counter() {
  const [count, setCount] = useState(0);
  return <button type="button" onClick={() => setCount((c) => c + 1)}>{\`Clicked \${count} times\`}</button>;
}
`,
};

const RR_FILES = {
  'package.json': JSON.stringify(
    {
      name: 'bench-react-router-app',
      private: true,
      type: 'module',
      scripts: { build: 'react-router build' },
      dependencies: {
        '@react-router/node': VERSIONS['@react-router/node'],
        '@react-router/serve': VERSIONS['@react-router/serve'],
        isbot: VERSIONS.isbot,
        react: VERSIONS.react,
        'react-dom': VERSIONS['react-dom'],
        'react-router': VERSIONS['react-router'],
      },
      devDependencies: { '@react-router/dev': VERSIONS['@react-router/dev'], vite: VERSIONS.vite },
    },
    null,
    2,
  ),
  'react-router.config.js': `/** @type {import('@react-router/dev/config').Config} */
export default { ssr: true };
`,
  'vite.config.js': `import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({ plugins: [reactRouter()] });
`,
  'app/root.jsx': `import { Links, Meta, Outlet, Scripts, ScrollRestoration } from 'react-router';

export function meta() {
  return [{ title: 'Tenant' }];
}

export function Layout({ children }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}
`,
  'app/routes.js': `import { index } from '@react-router/dev/routes';

export default [index('routes/home.jsx')];
`,
  'app/routes/home.jsx': `import { useState } from 'react';

export async function loader() {
  const res = await fetch(\`\${process.env.BACKEND_URL}/tenant\`);
  if (!res.ok) throw new Response('backend error', { status: 502 });
  return res.json();
}

function Counter() {
  const [count, setCount] = useState(0);
  return <button type="button" onClick={() => setCount((c) => c + 1)}>{\`Clicked \${count} times\`}</button>;
}

export default function Home({ loaderData: tenant }) {
  return (
    <main>
      <h1>{tenant.name}</h1>
      <ul>
        {tenant.projects.map((p) => (
          <li key={p.id}>{\`\${p.name} (\${p.status}, \${p.members} members)\`}</li>
        ))}
      </ul>
      <Counter />
    </main>
  );
}
`,
};

/** The production server of `rr-node`: node:http, static files from build/client, the rest to React Router. */
const RR_NODE_SERVER = `import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequestListener } from '@react-router/node';
import * as build from './build/server/index.js';

const CLIENT = fileURLToPath(new URL('./build/client', import.meta.url));
const TYPES = {
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};
const handle = createRequestListener({ build, mode: process.env.NODE_ENV ?? 'production' });

function serveStatic(req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
  } catch {
    return false;
  }
  if (pathname === '/' || pathname.includes('\\0')) return false;
  const file = join(CLIENT, normalize(pathname));
  if (!file.startsWith(CLIENT + sep)) return false;
  let st;
  try {
    st = statSync(file);
  } catch {
    return false;
  }
  if (!st.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': st.size,
    'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}

const server = createServer((req, res) => {
  if (!serveStatic(req, res)) handle(req, res);
});
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
server.listen(port, host, () => console.log(\`listening on http://\${host}:\${port}\`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
`;

/** The floor: the same page as a template string from plain node:http, no framework, no React. */
const BASELINE_SERVER = `import { createServer } from 'node:http';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => \`&#\${c.charCodeAt(0)};\`);
const server = createServer(async (req, res) => {
  try {
    const tenant = await (await fetch(\`\${process.env.BACKEND_URL}/tenant\`)).json();
    const items = tenant.projects.map((p) => \`<li>\${esc(p.name)} (\${esc(p.status)}, \${p.members} members)</li>\`).join('');
    const html = \`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tenant</title></head><body><main>\`
      + \`<h1>\${esc(tenant.name)}</h1><ul>\${items}</ul><button type="button" id="c">Clicked 0 times</button></main>\`
      + \`<script>let n=0;const b=document.getElementById('c');b.onclick=()=>{b.textContent='Clicked '+(++n)+' times'}</script></body></html>\`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
    res.end(html);
  } catch (err) {
    res.writeHead(500).end(String(err));
  }
});
const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST ?? '127.0.0.1');
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
`;

function writeFiles(dir, files) {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

// ---------------------------------------------------------------- sizes and versions

/** Apparent size (bytes) and count of the files under `dir`, symlinks not followed. */
function dirSize(dir) {
  let bytes = 0;
  let files = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) stack.push(p);
      else {
        bytes += lstatSync(p).size;
        files += 1;
      }
    }
  }
  return { bytes, files };
}

/** The largest packages in a node_modules folder (scoped ones counted per package). */
function largestPackages(nodeModules, n = 6) {
  if (!existsSync(nodeModules)) return [];
  const pkgs = [];
  for (const entry of readdirSync(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const sub of readdirSync(join(nodeModules, entry.name), { withFileTypes: true })) {
        if (sub.isDirectory()) pkgs.push({ name: `${entry.name}/${sub.name}`, ...dirSize(join(nodeModules, entry.name, sub.name)) });
      }
    } else pkgs.push({ name: entry.name, ...dirSize(join(nodeModules, entry.name)) });
  }
  return pkgs
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, n)
    .map((p) => ({ name: p.name, mib: round1(p.bytes / 1048576) }));
}

function outputSize(dir, parts) {
  const total = dirSize(dir);
  const out = { bytes: total.bytes, mib: round1(total.bytes / 1048576), files: total.files, parts: {} };
  for (const part of parts) {
    if (existsSync(join(dir, part))) {
      const s = dirSize(join(dir, part));
      out.parts[part] = { mib: round1(s.bytes / 1048576), files: s.files };
    }
  }
  out.largestPackages = largestPackages(join(dir, 'node_modules'));
  return out;
}

function installedVersions(dir, names) {
  const out = {};
  for (const name of names) {
    try {
      out[name] = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      /* not installed there */
    }
  }
  return out;
}

// ---------------------------------------------------------------- preparing the variants

const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--loglevel=warn', '--progress=false'];
const npmEnv = { npm_config_update_notifier: 'false' };
const installTimeoutMs = () => flags['install-timeout-s'] * 1000;

async function prepareNext() {
  const app = join(WORK, 'next-app');
  writeFiles(app, NEXT_FILES);
  const installSeconds = await run('next: npm install', 'npm', NPM_INSTALL, { cwd: app, env: npmEnv, timeoutMs: installTimeoutMs() });
  const buildSeconds = await run('next: next build', join(app, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: app,
    env: { NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    timeoutMs: 900_000,
  });
  const standalone = join(app, '.next', 'standalone');
  if (!existsSync(join(standalone, 'server.js'))) throw new Error('next build made no .next/standalone/server.js');
  // Per the Next.js docs, the standalone folder does not include static assets or public/.
  cpSync(join(app, '.next', 'static'), join(standalone, '.next', 'static'), { recursive: true });
  if (existsSync(join(app, 'public'))) cpSync(join(app, 'public'), join(standalone, 'public'), { recursive: true });
  const clientJs = dirSize(join(app, '.next', 'static'));
  return {
    description: 'Next.js App Router, output: "standalone", `node .next/standalone/server.js`',
    versions: installedVersions(app, ['next', 'react', 'react-dom', 'sharp']),
    installSeconds,
    buildSeconds,
    output: { what: '.next/standalone (with .next/static copied in)', ...outputSize(standalone, ['node_modules', '.next']) },
    clientAssetsOnDisk: { mib: round1(clientJs.bytes / 1048576), files: clientJs.files },
    start: (port, node) => ({
      cmd: node,
      args: ['server.js'],
      cwd: standalone,
      env: { PORT: String(port), HOSTNAME: '127.0.0.1', NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
    }),
  };
}

let rrBuilt;
/** Installs and builds the React Router app once; both rr variants deploy its build. */
async function buildReactRouter() {
  rrBuilt ??= (async () => {
    const app = join(WORK, 'rr-app');
    writeFiles(app, RR_FILES);
    const installSeconds = await run('react-router: npm install', 'npm', NPM_INSTALL, { cwd: app, env: npmEnv, timeoutMs: installTimeoutMs() });
    const buildSeconds = await run('react-router: react-router build', join(app, 'node_modules', '.bin', 'react-router'), ['build'], {
      cwd: app,
      env: { NODE_ENV: 'production' },
      timeoutMs: 900_000,
    });
    if (!existsSync(join(app, 'build', 'server', 'index.js'))) throw new Error('react-router build made no build/server/index.js');
    const clientJs = dirSize(join(app, 'build', 'client'));
    return {
      app,
      installSeconds,
      buildSeconds,
      clientAssetsOnDisk: { mib: round1(clientJs.bytes / 1048576), files: clientJs.files },
    };
  })();
  return rrBuilt;
}

/**
 * A deploy folder as a production image would hold it: build/, the server, and production
 * dependencies only (`npm install --omit=dev` against the app's lockfile, minus what this variant
 * does not use).
 */
async function reactRouterDeploy(name, deps, extraFiles) {
  const built = await buildReactRouter();
  const deploy = join(WORK, name);
  mkdirSync(deploy, { recursive: true });
  cpSync(join(built.app, 'build'), join(deploy, 'build'), { recursive: true });
  const appPkg = JSON.parse(readFileSync(join(built.app, 'package.json'), 'utf8'));
  const pkg = { name, private: true, type: 'module', dependencies: {} };
  for (const d of deps) pkg.dependencies[d] = appPkg.dependencies[d];
  writeFiles(deploy, { 'package.json': JSON.stringify(pkg, null, 2), ...extraFiles });
  cpSync(join(built.app, 'package-lock.json'), join(deploy, 'package-lock.json'));
  const prodInstallSeconds = await run(`${name}: npm install --omit=dev`, 'npm', [...NPM_INSTALL, '--omit=dev'], {
    cwd: deploy,
    env: npmEnv,
    timeoutMs: installTimeoutMs(),
  });
  return { built, deploy, prodInstallSeconds };
}

const RR_RUNTIME_DEPS = ['@react-router/node', 'isbot', 'react', 'react-dom', 'react-router'];
const RR_VERSION_NAMES = ['react-router', '@react-router/node', '@react-router/serve', 'react', 'react-dom', 'isbot', 'express'];
/** Build tools from the app, what is deployed from the deploy folder (so a variant lists only what it runs). */
const rrVersions = (built, deploy) => ({ ...installedVersions(built.app, ['@react-router/dev', 'vite']), ...installedVersions(deploy, RR_VERSION_NAMES) });

async function prepareRrNode() {
  const { built, deploy, prodInstallSeconds } = await reactRouterDeploy('rr-node-deploy', RR_RUNTIME_DEPS, { 'server.mjs': RR_NODE_SERVER });
  return {
    description: 'React Router 7 framework mode; node:http + createRequestListener (@react-router/node) + static build/client',
    versions: rrVersions(built, deploy),
    installSeconds: built.installSeconds,
    prodInstallSeconds,
    buildSeconds: built.buildSeconds,
    output: { what: 'build/ + server.mjs + production node_modules', ...outputSize(deploy, ['node_modules', 'build']) },
    clientAssetsOnDisk: built.clientAssetsOnDisk,
    start: (port, node) => ({
      cmd: node,
      args: ['server.mjs'],
      cwd: deploy,
      env: { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    }),
  };
}

async function prepareRrServe() {
  const { built, deploy, prodInstallSeconds } = await reactRouterDeploy('rr-serve-deploy', [...RR_RUNTIME_DEPS, '@react-router/serve'], {});
  const servePkg = JSON.parse(readFileSync(join(deploy, 'node_modules', '@react-router', 'serve', 'package.json'), 'utf8'));
  const bin = typeof servePkg.bin === 'string' ? servePkg.bin : Object.values(servePkg.bin)[0];
  return {
    description: 'React Router 7 framework mode; `react-router-serve build/server/index.js` (@react-router/serve: express, compression, morgan)',
    versions: rrVersions(built, deploy),
    installSeconds: built.installSeconds,
    prodInstallSeconds,
    buildSeconds: built.buildSeconds,
    output: { what: 'build/ + production node_modules', ...outputSize(deploy, ['node_modules', 'build']) },
    clientAssetsOnDisk: built.clientAssetsOnDisk,
    start: (port, node) => ({
      cmd: node,
      args: [join('node_modules', '@react-router', 'serve', bin), 'build/server/index.js'],
      cwd: deploy,
      env: { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    }),
  };
}

async function prepareBaseline() {
  const dir = join(WORK, 'baseline');
  writeFiles(dir, { 'server.mjs': BASELINE_SERVER, 'package.json': JSON.stringify({ private: true, type: 'module' }) });
  return {
    description: 'reference floor: plain node:http, the same page from a template string, no framework, no React',
    versions: {},
    installSeconds: 0,
    buildSeconds: 0,
    output: { what: 'server.mjs', ...outputSize(dir, []) },
    start: (port, node) => ({
      cmd: node,
      args: ['server.mjs'],
      cwd: dir,
      env: { PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production' },
    }),
  };
}

const PREPARE = {
  'next-standalone': prepareNext,
  'rr-node': prepareRrNode,
  'rr-serve': prepareRrServe,
  'node-http-baseline': prepareBaseline,
};

// ---------------------------------------------------------------- measuring one running server

// Compression is left to the gateway in front of the pods: ask for identity so that no variant
// spends CPU on gzip (next and @react-router/serve compress by default, the bare server does not).
const REQUEST_HEADERS = { 'accept-encoding': 'identity' };

async function get(url, timeoutMs = 10_000) {
  const res = await fetch(url, { headers: REQUEST_HEADERS, signal: AbortSignal.timeout(timeoutMs) });
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

async function waitFirst200(url, child, deadlineMs = 60_000) {
  const t0 = performance.now();
  let exited = false;
  child.exited.then(() => {
    exited = true;
  });
  let lastError = '';
  while (performance.now() - t0 < deadlineMs) {
    if (exited) throw new Error('server exited before answering');
    try {
      const res = await get(url, 5000);
      if (res.status === 200) return { ms: Math.round(performance.now() - t0), res };
      lastError = `status ${res.status}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await sleep(25);
  }
  throw new Error(`no 200 from ${url} within ${deadlineMs / 1000} s (last: ${lastError})`);
}

/** The page must show the backend's data and a counter, and every script it loads must be served. */
async function checkPage(base, res) {
  const html = res.body.toString('utf8');
  const problems = [];
  if (!html.includes('<h1>Acme</h1>')) problems.push('no <h1>Acme</h1>');
  if (!html.includes('Project 10 (active, 12 members)')) problems.push('no 10th project');
  if (!html.includes('Clicked 0 times')) problems.push('no counter button');
  const contentEncoding = res.headers.get('content-encoding');
  const scripts = new Set();
  // Scripts a modern browser loads: not the noModule polyfills that only old browsers fetch.
  for (const m of html.matchAll(/<script([^>]*)\ssrc="([^"]+)"([^>]*)>/g)) if (!/nomodule/i.test(m[1] + m[3])) scripts.add(m[2]);
  for (const m of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"|<link[^>]*href="([^"]+)"[^>]*rel="modulepreload"/g))
    scripts.add(m[1] ?? m[2]);
  // React Router's inline module script imports the route modules; count those too.
  for (const m of html.matchAll(/import\(?\s*"([^"]+\.js)"/g)) scripts.add(m[1]);
  let jsBytes = 0;
  for (const src of scripts) {
    const r = await get(new URL(src.replaceAll('&amp;', '&'), base).href);
    if (r.status !== 200) problems.push(`script ${src}: ${r.status}`);
    jsBytes += r.body.length;
  }
  return { htmlBytes: res.body.length, contentEncoding, scriptFiles: scripts.size, scriptKiB: round1(jsBytes / 1024), problems };
}

async function loadRun(url, total, concurrency, deadlineMs = 120_000) {
  const latencies = [];
  let issued = 0;
  let errors = 0;
  let non200 = 0;
  const t0 = performance.now();
  const stopAt = t0 + deadlineMs;
  const loop = async () => {
    while (issued < total && performance.now() < stopAt) {
      issued += 1;
      const t = performance.now();
      try {
        const res = await fetch(url, { headers: REQUEST_HEADERS, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (res.status !== 200) non200 += 1;
        latencies.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    non200,
    cutByDeadline: issued < total,
    seconds: round1(seconds),
    reqPerSec: Math.round(latencies.length / seconds),
    p50Ms: round1(percentile(latencies, 50)),
    p90Ms: round1(percentile(latencies, 90)),
    p99Ms: round1(percentile(latencies, 99)),
    maxMs: round1(latencies.at(-1)),
  };
}

const compact = (snap) => ({
  settled: snap.settled,
  waitedMs: snap.waitedMs,
  processCount: snap.processCount,
  rssMiB: mib(snap.rssKiB),
  pssMiB: mib(snap.pssKiB),
  ussMiB: mib(snap.ussKiB),
  anonMiB: mib(snap.anonKiB),
  processes: snap.processes.map((p) => ({
    pid: p.pid,
    comm: p.comm,
    title: p.title,
    threads: p.threads,
    rssMiB: mib(p.rssKiB),
    pssMiB: mib(p.pssKiB),
    ussMiB: mib(p.ussKiB),
    anonMiB: mib(p.anonKiB),
  })),
});

async function measureRound(id, variant, node, round) {
  const port = await anyFreePort();
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/`;
  const spec = variant.start(port, node.bin);
  const t0 = performance.now();
  const env = { ...process.env, BACKEND_URL: backend.url, ...spec.env };
  if (flags['node-options']) env.NODE_OPTIONS = flags['node-options'];
  else delete env.NODE_OPTIONS;
  const child = spawnTracked(spec.cmd, spec.args, { cwd: spec.cwd, env });
  const serverLog = [];
  const keep = (buf) => {
    for (const line of buf.toString().split(/\r?\n/)) if (line.trim() && serverLog.length < 30) serverLog.push(scrub(line));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    const first = await waitFirst200(url, child);
    const startupMs = Math.round(performance.now() - t0);
    const page = await checkPage(base, first.res);
    if (page.problems.length) throw new Error(`page check failed: ${page.problems.join('; ')}`);
    const idleAfterStart = await waitIdle(child.pid);

    const backendBefore = await backend.count();
    const tw = performance.now();
    for (let i = 0; i < flags.warmup; i += 1) {
      const r = await get(url);
      if (r.status !== 200) throw new Error(`warm-up request ${i + 1}: status ${r.status}`);
    }
    const warmupSeconds = round1((performance.now() - tw) / 1000);
    const idleAfterWarmup = await waitIdle(child.pid);

    const loadAverage = os.loadavg().map(round1);
    const cpuBefore = treeCpuMs(child.pid);
    const load = await loadRun(url, flags.requests, flags.concurrency);
    // CPU the server spent per request: unlike req/s, hardly moved by other work on the machine.
    load.serverCpuMsPerRequest = Math.round(((treeCpuMs(child.pid) - cpuBefore) / Math.max(1, load.requests)) * 100) / 100;
    load.loadAverageBefore = loadAverage;
    const backendCalls = (await backend.count()) - backendBefore;
    const idleAfterLoad = await waitIdle(child.pid);
    const r = {
      round,
      startupMs,
      page,
      warmupSeconds,
      // Each page request must have reached the backend (no response or fetch caching).
      backendCallsPerPageRequest: round1(backendCalls / (flags.warmup + load.requests + load.non200)),
      idleAfterStart: compact(idleAfterStart),
      idleAfterWarmup: compact(idleAfterWarmup),
      load,
      idleAfterLoad: compact(idleAfterLoad),
      serverLog: serverLog.slice(0, 10),
    };
    log(
      `${id} round ${round}: startup ${startupMs} ms; idle after warm-up ${r.idleAfterWarmup.rssMiB} MiB RSS / ${r.idleAfterWarmup.pssMiB} MiB PSS` +
        ` in ${r.idleAfterWarmup.processCount} process(es); ${load.reqPerSec} req/s, p99 ${load.p99Ms} ms, ${load.serverCpuMsPerRequest} CPU ms/req` +
        `${load.errors || load.non200 ? `, ${load.errors} errors, ${load.non200} non-200` : ''}; after load ${r.idleAfterLoad.rssMiB} MiB RSS`,
    );
    return r;
  } catch (err) {
    err.message += serverLog.length ? `\nserver output:\n${serverLog.join('\n')}` : '';
    throw err;
  } finally {
    await stopChild(child);
  }
}

function summarize(v) {
  const rounds = v.rounds;
  const m = (f) => round1(median(rounds.map(f)));
  return {
    processes: Math.max(...rounds.map((r) => r.idleAfterWarmup.processCount)),
    idleRssMiB: m((r) => r.idleAfterWarmup.rssMiB),
    idlePssMiB: m((r) => r.idleAfterWarmup.pssMiB),
    idleUssMiB: m((r) => r.idleAfterWarmup.ussMiB),
    idleAnonMiB: m((r) => r.idleAfterWarmup.anonMiB),
    anonAfterLoadMiB: m((r) => r.idleAfterLoad.anonMiB),
    idleRssRangeMiB: [Math.min(...rounds.map((r) => r.idleAfterWarmup.rssMiB)), Math.max(...rounds.map((r) => r.idleAfterWarmup.rssMiB))],
    rssAfterStartMiB: m((r) => r.idleAfterStart.rssMiB),
    rssAfterLoadMiB: m((r) => r.idleAfterLoad.rssMiB),
    pssAfterLoadMiB: m((r) => r.idleAfterLoad.pssMiB),
    startupMs: m((r) => r.startupMs),
    reqPerSec: m((r) => r.load.reqPerSec),
    p99Ms: m((r) => r.load.p99Ms),
    serverCpuMsPerRequest: Math.round(median(rounds.map((r) => r.load.serverCpuMsPerRequest)) * 100) / 100,
    outputMiB: v.output.mib,
    outputFiles: v.output.files,
    buildSeconds: v.buildSeconds,
    pageScriptKiB: rounds[0].page.scriptKiB,
  };
}

// ---------------------------------------------------------------- main

function machine() {
  const cpus = os.cpus();
  return {
    node: process.version,
    serverNodes: SERVER_NODES.map((n) => n.version),
    cpuCount: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    totalMemoryGiB: round1(os.totalmem() / 1073741824),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    npm: null,
    loadAverageAtStart: os.loadavg().map(round1),
  };
}

function pad(s, n, right = false) {
  s = String(s ?? '-');
  return right ? s.padStart(n) : s.padEnd(n);
}

function printSummary(results) {
  const rows = [
    [
      'variant',
      'procs',
      'RSS MiB',
      'PSS MiB',
      'anon MiB',
      'RSS after load',
      'anon after load',
      'startup ms',
      'req/s',
      'p99 ms',
      'CPU ms/req',
      'output MiB',
      'files',
      'build s',
      'page JS KiB',
    ],
  ];
  for (const [id, v] of Object.entries(results.variants)) {
    if (v.error) {
      rows.push([id, `FAILED: ${v.error.split('\n')[0].slice(0, 100)}`]);
      continue;
    }
    const s = v.summary;
    rows.push([
      id,
      s.processes,
      s.idleRssMiB,
      s.idlePssMiB,
      s.idleAnonMiB,
      s.rssAfterLoadMiB,
      s.anonAfterLoadMiB,
      s.startupMs,
      s.reqPerSec,
      s.p99Ms,
      s.serverCpuMsPerRequest,
      s.outputMiB,
      s.outputFiles,
      s.buildSeconds,
      s.pageScriptKiB,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  console.log(
    `\nFrontend frameworks, servers on ${results.machine.serverNodes.join(' and ')}${flags['node-options'] ? ` with NODE_OPTIONS=${flags['node-options']}` : ''}, ${results.machine.cpuCount} x ${results.machine.cpuModel}; medians of ${flags.rounds} round(s);` +
      ` memory of the whole process tree, idle after ${flags.warmup} warm-up requests; load: ${flags.requests} requests, ${flags.concurrency} concurrent\n`,
  );
  for (const r of rows) console.log(r.map((c, i) => pad(c, widths[i], i > 0 && r.length > 2)).join('  '));
  console.log(
    "\nRSS/PSS/anon: sum over the server's process tree once idle after the warm-up; anon = anonymous memory (V8 heap, malloc), what each further" +
      '\ntenant adds when tenants share one Node executable; "after load": idle again after the load run; CPU ms/req: server CPU time / requests in the load run;' +
      '\noutput: what a production image needs; page JS: scripts a modern browser loads for the page, uncompressed.',
  );
  console.log('\nprocesses (last round, idle after warm-up):');
  for (const [id, v] of Object.entries(results.variants)) {
    if (v.error) continue;
    for (const p of v.rounds.at(-1).idleAfterWarmup.processes) {
      console.log(
        `  ${pad(id, 26)} pid ${pad(p.pid, 8)} ${pad(p.comm, 16)} threads ${pad(p.threads, 3)} RSS ${pad(p.rssMiB, 6, true)}  PSS ${pad(p.pssMiB, 6, true)}  anon ${pad(p.anonMiB, 6, true)}  ${p.title}`,
      );
    }
  }
  console.log(`\nresults: ${RESULTS_FILE.startsWith(`${ROOT}/`) ? relative(ROOT, RESULTS_FILE) : RESULTS_FILE}`);
}

async function main() {
  WORK = mkdtempSync(join(os.tmpdir(), 'frontend-frameworks-'));
  log(`work folder ${WORK}; variants: ${selected.join(', ')}; rounds ${flags.rounds}`);
  const results = {
    benchmark: 'frontend-frameworks',
    script: 'bench/frontend-frameworks.mjs',
    date: new Date().toISOString(),
    machine: machine(),
    parameters: {
      rounds: flags.rounds,
      warmupRequests: flags.warmup,
      loadRequests: flags.requests,
      loadConcurrency: flags.concurrency,
      requestHeaders: REQUEST_HEADERS,
      serverNodeOptions: flags['node-options'] || null,
      pinnedVersions: VERSIONS,
      idleRule: 'tree VmRSS polled every 1 s until two consecutive readings are within 1 MiB (at most 30 s)',
      measured:
        'sum over the server process and all its descendants (/proc/*/stat ppid) of Rss, Pss and Private_Clean+Private_Dirty (USS) from /proc/<pid>/smaps_rollup',
      startup: 'from spawn to the first 200 for GET / (polled every 25 ms), which includes the first server render',
      load: 'fetch (undici) loops in the bench process, keep-alive, bodies read in full; the backend runs in a worker thread of the bench process',
      output:
        'apparent size of the files a production image needs (Next: .next/standalone with .next/static; React Router: build/ + server + npm install --omit=dev)',
      note: "PSS divides shared pages (the node binary, libc) among every process that maps them, the bench process and any other node process of the same executable included, and USS leaves shared pages out: both therefore depend on what else runs (here the bench itself runs on the first server Node, so that Node's text pages count as shared, while a Node executable used only by the servers counts as private). Anonymous memory (V8 heap, malloc) does not, and is the cost each further tenant adds on a host whose tenants share one Node executable",
    },
    variants: {},
  };
  try {
    results.machine.npm = await new Promise((r) => {
      const c = spawn('npm', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      c.stdout.on('data', (d) => {
        out += d;
      });
      c.on('exit', () => r(out.trim() || null));
      c.on('error', () => r(null));
    });
  } catch {
    /* no npm */
  }

  backend = await startBackend();
  log(`backend on ${backend.url}`);

  const prepared = {};
  for (const id of selected) {
    log(`== preparing ${id}`);
    try {
      prepared[id] = await PREPARE[id]();
    } catch (err) {
      log(`${id}: preparation failed: ${err.message}`);
      results.variants[id] = { error: scrub(err.message) };
    }
  }

  // Rounds go round-robin over the variants, so that a busy moment of the machine (or a cold disk
  // cache in round 1) does not fall on one variant only.
  const runs = [];
  for (const node of SERVER_NODES) {
    for (const id of selected) {
      if (!prepared[id]) continue;
      const key = SERVER_NODES.length === 1 ? id : `${id}@node${node.version.split('.')[0].slice(1)}`;
      const { start: _start, ...rest } = prepared[id];
      results.variants[key] = { serverNode: node.version, ...rest, rounds: [] };
      runs.push({ key, id, node });
    }
  }
  for (let round = 1; round <= flags.rounds; round += 1) {
    for (const { key, id, node } of runs) {
      const entry = results.variants[key];
      if (entry.error) continue;
      log(`== measuring ${key}, round ${round} of ${flags.rounds}`);
      try {
        entry.rounds.push(await measureRound(key, prepared[id], node, round));
      } catch (err) {
        log(`${key}: measurement failed: ${err.message}`);
        entry.error = scrub(err.message);
      }
    }
  }
  for (const entry of Object.values(results.variants)) if (!entry.error && entry.rounds.length) entry.summary = summarize(entry);

  results.machine.loadAverageAtEnd = os.loadavg().map(round1);
  results.durationSeconds = Math.round((Date.now() - startedAt) / 1000);
  results.summary = Object.fromEntries(
    Object.entries(results.variants)
      .filter(([, v]) => v.summary)
      .map(([id, v]) => [id, v.summary]),
  );
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(JSON.parse(scrub(JSON.stringify(results))), null, 2)}\n`);
  printSummary(results);
  return Object.values(results.variants).some((v) => v.error) ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
