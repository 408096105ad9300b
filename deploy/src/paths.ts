/** @module Where the deployment files are, for the programs and tests that use them. */
import { fileURLToPath } from 'node:url';

/** The tenant-pod Helm chart. */
export const TENANT_POD_CHART = fileURLToPath(new URL('../helm/tenant-pod', import.meta.url));
/** The platform Helm chart. */
export const PLATFORM_CHART = fileURLToPath(new URL('../helm/platform', import.meta.url));
/** The Terraform folder: the `tenant/` and `platform/` roots and their `modules/`. */
export const TERRAFORM_DIR = fileURLToPath(new URL('../terraform', import.meta.url));
