/** @module What one usage request may ask of the master (the API checks it, the CLI asks within it). */

/** The longest window of a usage view, in hours (400 days, as long as aggregates are kept). */
export const USAGE_MAX_HOURS = 24 * 400;

/** The most buckets one usage series may have (hours × 60 / bucketMinutes): each is a row in memory and in the answer. */
export const USAGE_MAX_BUCKETS = 2_000;

/** How many buckets of `bucketMinutes` a window of `hours` is cut into. */
export const usageBuckets = (hours: number, bucketMinutes: number) => Math.ceil((hours * 60) / bucketMinutes);
