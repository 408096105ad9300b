// The image's entry point: `pod-entry.mjs <program>` runs that program of the tenant pod (the chart passes
// the program name as the container's argument), from the bundles `npm run build` made; `activator` runs the
// platform's activator (the platform chart's, where frozen tenants' hosts lead on Kubernetes).
const PROGRAMS = ['user-backend', 'admin-backend', 'scheduler', 'frontend'];
const PLATFORM_PROGRAMS = { activator: '../../packages/drivers/kubernetes/dist/activator/main.js' };
const program = process.argv[2];
if (!PROGRAMS.includes(program) && !Object.hasOwn(PLATFORM_PROGRAMS, program)) {
  console.error(`usage: pod-entry.mjs <${[...PROGRAMS, ...Object.keys(PLATFORM_PROGRAMS)].join('|')}> (got ${JSON.stringify(program ?? '')})`);
  process.exit(64);
}
// Each program runs through its code cache (main.cjs).
const entry = PLATFORM_PROGRAMS[program] ?? `../../packages/pod/${program}/dist/bundle/main.cjs`;
await import(new URL(entry, import.meta.url).href);
