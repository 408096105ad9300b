/** @module @tenantry/scheduler: run `main` (see the pod manifest). */
export {};
