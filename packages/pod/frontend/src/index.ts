/** @module @tenantry/frontend: run `main` (see the pod manifest). */
export {};
