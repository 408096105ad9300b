/** @module @tenantry/user-backend: run `main` (see the pod manifest). */
export {};
