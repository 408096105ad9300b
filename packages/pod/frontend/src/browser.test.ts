/**
 * End to end in a real browser (Debian's Chromium through playwright-core): an operator creates a
 * tenant on the master's dashboard and watches it become ready; a user signs up on the tenant's
 * host, reads the welcome mail, creates a project and a task, uploads and downloads a file, and
 * the operator sees that traffic in the dashboard's usage view.
 * Screenshots of each stage are kept in test-artifacts/browser/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PlatformProcess } from '@tenantry/local-host/test-support';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'browser');

let platform: PlatformProcess;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH`);
  mkdirSync(ARTIFACTS, { recursive: true });
  platform = await PlatformProcess.create('24000-24999');
  await platform.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
after(async () => {
  await browser?.close();
  await platform?.dispose();
});

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test('an operator creates a tenant on the dashboard and a user works in it', { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const master = `http://master.localhost:${platform.port}`;
  const tenant = `http://shop.localhost:${platform.port}`;

  // The dashboard: sign in with the admin token, create a tenant, watch it become ready without reloading.
  await page.goto(`${master}/`);
  await page.getByLabel('Admin token').fill(platform.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('No tenants yet').waitFor();
  await page.getByTestId('live').filter({ hasText: 'live' }).waitFor();
  await page.getByLabel('Slug').fill('shop');
  await page.getByLabel('Name').fill('Shop Inc');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  const row = page.locator('tr[data-tenant="shop"]');
  await row.waitFor();
  await shot(page, '1-dashboard-provisioning');
  await row.getByTestId('status').filter({ hasText: 'ready' }).waitFor({ timeout: 60_000 });
  assert.equal(await row.locator('[data-step]').count(), 8);
  assert.equal(await row.locator('[data-step].ok').count(), 8, 'every step shown done');
  await row.getByTestId('health').filter({ hasText: 'healthy' }).waitFor({ timeout: 20_000 });
  assert.equal(await row.locator('td').nth(3).innerText(), '4', 'schema version shown');
  await shot(page, '2-dashboard-ready');

  // The tenant's own host: the first HTML already carries its name (rendered on the server).
  const html = await platform.http(`shop.localhost:${platform.port}`, '/');
  assert.match(html.text, /<h1>Shop Inc<\/h1>/);
  await page.goto(`${tenant}/`);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Sam');
  await page.getByLabel('Email').fill('sam@shop.test');
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(`${tenant}/projects`);
  // Signing up loads the page afresh; let it hydrate before clicking on.
  await page.waitForLoadState('networkidle');
  await shot(page, '3-signed-up');

  // The welcome mail, read in the admin pages (the first account is the admin).
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL(`${tenant}/admin`);
  const subject = page.getByRole('button', { name: 'Welcome to Shop Inc' });
  for (let i = 0; i < 50 && (await subject.count()) === 0; i++) await page.reload();
  await shot(page, '4-admin');
  await subject.click();
  const welcome = page.getByRole('article', { name: 'Mail message' });
  await welcome.getByText('your account at Shop Inc is ready').waitFor();
  assert.doesNotMatch(await welcome.innerText(), /Sam/, 'nothing the sign-up typed is mailed');
  await shot(page, '4-welcome-mail');

  // A project and a task.
  await page.getByRole('link', { name: 'Projects' }).click();
  await page.getByLabel('Project name').fill('Spring launch');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: 'Spring launch' }).click();
  await page.getByLabel('Task title').fill('Order the banners');
  await page.getByRole('button', { name: 'Add task' }).click();
  await page.getByRole('cell', { name: 'Order the banners' }).waitFor();
  await page.getByLabel('Status of Order the banners').selectOption('done');
  await shot(page, '5-project-and-task');

  // A file: upload, then download the same bytes.
  const upload = join(tmpdir(), `tenantry-upload-${process.pid}.txt`);
  writeFileSync(upload, 'banner sizes: 3x1 m');
  await page.getByRole('link', { name: 'Files' }).click();
  await page.getByLabel('File').setInputFiles(upload);
  await page.getByRole('button', { name: 'Upload' }).click();
  const link = page.getByRole('link', { name: /tenantry-upload-/ });
  await link.waitFor();
  await shot(page, '6-file-uploaded');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(readFileSync((await download.path())!, 'utf8'), 'banner sizes: 3x1 m');

  // The task's new status was saved through the API.
  await page.goto(`${tenant}/projects`);
  await page.getByRole('link', { name: 'Spring launch' }).click();
  assert.equal(await page.getByLabel('Status of Order the banners').inputValue(), 'done');

  // Back on the dashboard: the tenant's traffic, from the analytics store, with its hourly chart.
  await page.goto(`${master}/`);
  const usage = page.locator('tr[data-usage="shop"] [data-testid="requests"]');
  for (let i = 0; i < 50 && Number((await usage.count()) ? await usage.innerText() : 0) === 0; i++) await page.reload();
  assert.ok(Number(await usage.innerText()) > 10, 'the requests the user made are counted');
  await page.getByRole('img', { name: 'Requests per hour and p95 latency' }).waitFor();
  await shot(page, '7-usage');
  await context.close();

  // After sign-in the browser follows `next` only within the tenant, however it is spelled.
  for (const next of [
    '/%09/evil.example/',
    '/%0A/evil.example/',
    '/%0D/evil.example/',
    '//evil.example/',
    '/%5Cevil.example/',
    '%5C%5Cevil.example/',
    'https://evil.example/',
  ]) {
    const visitor = await browser.newContext();
    const signIn = await visitor.newPage();
    signIn.setDefaultTimeout(30_000);
    await signIn.goto(`${tenant}/login?next=${next}`);
    await signIn.waitForLoadState('networkidle');
    await signIn.getByLabel('Email').fill('sam@shop.test');
    await signIn.getByLabel('Password').fill('a long enough password');
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await signIn.waitForURL((url) => url.pathname !== '/login');
    assert.equal(new URL(signIn.url()).origin, tenant, `next=${next} left for ${signIn.url()}`);
    await visitor.close();
  }
});
