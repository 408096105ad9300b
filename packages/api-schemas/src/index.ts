/// <reference types="@fastify/swagger" preserve="true" />
// The reference above carries the route schema fields @fastify/swagger adds (tags, summary...) to every API built on this package.
/** @module @tenantry/api-schemas: what every HTTP API of the platform builds its route schemas and OpenAPI document from. */
export * from './input-schemas.js';
export * from './api-document.js';
