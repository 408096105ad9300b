// BullMQ ships its scripts' types for its ES module build only; these are those of its CommonJS build.
declare module 'bullmq/dist/cjs/scripts/index.js' {
  const scripts: Record<string, { name: string; content: string; keys: number }>;
  export = scripts;
}
