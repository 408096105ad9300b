/** @module @tenantry/admin-backend: run `main` (see the pod manifest). */
export {};
