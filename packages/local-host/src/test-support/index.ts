/** @module What other packages' tests use of the local host: a whole platform in a child process, and the OpenAPI fuzzer. */
export * from './platform-process.js';
export * from './openapi-fuzzer.js';
