/**
 * @module @tenantry/pod-manifest: the one place that declares the programs of a tenant pod.
 *
 * The local compute driver runs each program as a supervised OS process; the Helm chart renders
 * one Deployment per program from the same declaration. A team swaps in its own app by pointing
 * TENANTRY_POD_MANIFEST at a JSON file of the same shape.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { BUILT_IN_READS, POD_VARIABLE_NAMES, type PodVariable } from '@tenantry/pod-contract';

export { programUrlVariable } from '@tenantry/pod-contract';

const programSchema = z.object({
  /** Program name, unique in the pod; also its Deployment name on Kubernetes. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be a lowercase name such as "user-backend"'),
  /** Executable to run; "node" means the Node.js that runs the platform. */
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  /** Path answering 200 once the program serves; probed on its PORT. */
  healthPath: z.string().startsWith('/'),
  /** Path prefixes at the tenant's host that the gateway sends to this program (longest prefix wins). */
  routes: z.array(z.string().startsWith('/')).default([]),
  /**
   * The variables of the pod environment contract this program reads: it is given only those (a frontend gets
   * no database login). @defaultValue every variable of the contract
   */
  reads: z.array(z.enum(POD_VARIABLE_NAMES as [PodVariable, ...PodVariable[]])).default(POD_VARIABLE_NAMES),
  /** Extra environment for this program, on top of the pod contract. */
  env: z.record(z.string(), z.string()).default({}),
  /**
   * Memory limit in MiB: locally the supervisor kills and restarts a program whose resident memory
   * exceeds it (a V8 heap flag would cost every Node start ~50 ms); on Kubernetes, the container limit.
   */
  memoryMb: z.number().int().positive().optional(),
  /**
   * The program may be started from a process pre-started before its tenant is known (its code loaded,
   * then its environment given): only for a `node` program whose main goes through `runMain` of
   * @tenantry/core, which waits for it, and whose modules read no tenant setting when they load (Node's
   * own start-up variables other than NODE_ENV, NODE_OPTIONS and NODE_EXTRA_CA_CERTS do not apply).
   * @defaultValue false
   */
  warmStart: z.boolean().default(false),
  /**
   * Started after the programs that starting pods need first (those not marked so) are up: a pod serves once
   * its other programs are, and the gateway holds this one's requests until it is. Locally a burst of pods
   * starting (creations, wakes) then serves sooner, as their first programs get the CPU first; on Kubernetes
   * every program starts at once. @defaultValue false
   */
  startLater: z.boolean().default(false),
});

const manifestSchema = z.object({ programs: z.array(programSchema).min(1) });

export type PodProgram = z.output<typeof programSchema>;
export type PodManifest = z.output<typeof manifestSchema>;

function programMain(pkg: string): string {
  return fileURLToPath(import.meta.resolve(`${pkg}/main`));
}

/**
 * V8's young generation capped at 1 MiB per semi-space: an idle program then keeps about 20 MiB less
 * resident, at no start-up cost and about 7 % of a tenant's peak GET throughput (docs/benchmarks.md).
 */
const NODE_FLAGS = ['--max-semi-space-size=1'];

/** The built-in tenant pod: user backend, admin backend, job scheduler and SSR frontend. */
export function defaultPodManifest(): PodManifest {
  return manifestSchema.parse({
    programs: [
      {
        name: 'user-backend',
        command: 'node',
        args: [...NODE_FLAGS, programMain('@tenantry/user-backend')],
        healthPath: '/healthz',
        routes: ['/api'],
        memoryMb: 256,
        warmStart: true,
        reads: BUILT_IN_READS['user-backend'],
      },
      {
        name: 'admin-backend',
        command: 'node',
        args: [...NODE_FLAGS, programMain('@tenantry/admin-backend')],
        healthPath: '/healthz',
        routes: ['/admin/api'],
        memoryMb: 256,
        warmStart: true,
        startLater: true,
        reads: BUILT_IN_READS['admin-backend'],
      },
      {
        name: 'scheduler',
        command: 'node',
        args: [...NODE_FLAGS, programMain('@tenantry/scheduler')],
        healthPath: '/healthz',
        routes: [],
        memoryMb: 256,
        warmStart: true,
        startLater: true,
        reads: BUILT_IN_READS.scheduler,
      },
      {
        name: 'frontend',
        command: 'node',
        args: [...NODE_FLAGS, programMain('@tenantry/frontend')],
        healthPath: '/healthz',
        routes: ['/'],
        memoryMb: 256,
        warmStart: true,
        reads: BUILT_IN_READS.frontend,
      },
    ],
  });
}

/**
 * The master pod's programs: the built-in ones, with V8's default young generation. The control plane is one
 * pod doing work for every tenant, where the 1 MiB cap of tenant pods (memory saved per idle tenant) would cost
 * it about a third of its CPU in garbage collection.
 */
export function masterPodManifest(): PodManifest {
  const manifest = defaultPodManifest();
  for (const program of manifest.programs) program.args = program.args.filter((arg) => !NODE_FLAGS.includes(arg));
  return manifest;
}

/** Reads and validates a pod manifest file; the error names the file and the bad field. */
export function loadPodManifest(file: string): PodManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`pod manifest ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`pod manifest ${file}: ${problems}`);
  }
  const names = new Set(result.data.programs.map((p) => p.name));
  if (names.size !== result.data.programs.length) throw new Error(`pod manifest ${file}: program names must be unique`);
  return result.data;
}
