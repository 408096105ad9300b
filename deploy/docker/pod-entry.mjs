// The image's entry point: `pod-entry.mjs <program>` runs that program of the tenant pod (the chart passes
// the program name as the container's argument), from the bundles `npm run build` made.
const PROGRAMS = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];
const program = process.argv[2];
if (!PROGRAMS.includes(program)) {
  console.error(`usage: pod-entry.mjs <${PROGRAMS.join('|')}> (got ${JSON.stringify(program ?? '')})`);
  process.exit(64);
}
await import(new URL(`../../packages/pod/${program}/dist/bundle/main.mjs`, import.meta.url).href);
