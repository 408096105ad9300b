import type { Config } from '@react-router/dev/config';

export default {
  appDirectory: 'app',
  buildDirectory: 'build',
  // Server-side rendering on: the first HTML already carries the tenant's name and data.
  ssr: true,
  // React Router 8 behaviour now, where it changes nothing the app relies on. Middleware stays off:
  // it would change the loaders' context from a plain object to a provider.
  future: {
    v8_middleware: false,
    v8_splitRouteModules: true,
    v8_viteEnvironmentApi: true,
    v8_passThroughRequests: true,
    v8_trailingSlashAwareDataRequests: true,
  },
} satisfies Config;
