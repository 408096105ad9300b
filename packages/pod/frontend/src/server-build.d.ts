/** The app built by `react-router build` (build/server/index.js, the package's `#server-build` import). */
declare module '#server-build' {
  import type { ServerBuild } from 'react-router';
  const build: ServerBuild;
  export = build;
}
