import { index, route, type RouteConfig } from '@react-router/dev/routes';

export default [
  index('routes/home.tsx'),
  route('signup', 'routes/signup.tsx'),
  route('login', 'routes/login.tsx'),
  route('forgot-password', 'routes/forgot-password.tsx'),
  route('reset-password', 'routes/reset-password.tsx'),
  route('verify-email', 'routes/verify-email.tsx'),
  route('projects', 'routes/projects.tsx'),
  route('projects/:id', 'routes/project.tsx'),
  route('files', 'routes/files.tsx'),
  route('admin', 'routes/admin.tsx'),
] satisfies RouteConfig;
