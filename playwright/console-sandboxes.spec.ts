import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, api } from './fixtures.js';
import { openScreen, removeSandboxes } from './console-helpers.js';

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ws-'));
  writeFileSync(join(dir, 'README.md'), '# demo workspace\n');
  chmodSync(dir, 0o777); // the container user is not root
  return dir;
}

test.describe('sandboxes', () => {
  test.beforeEach(async ({ gatehouse }) => {
    const status = await api<{ engine: { reachable: boolean } }>(gatehouse.info, 'system.status');
    // CI sets GATEHOUSE_REQUIRE_DOCKER=1: there a missing engine is a failure, not a skip.
    if (process.env.GATEHOUSE_REQUIRE_DOCKER === '1') expect(status.engine.reachable).toBe(true);
    test.skip(!status.engine.reachable, 'No Docker engine reachable here.');
    const images = await api<{ images: { present: boolean }[] }>(gatehouse.info, 'sandboxes.image.status');
    if (!images.images.some((i) => i.present))
      await api(gatehouse.info, 'sandboxes.image.build', { from: 'offline' });
  });

  test.afterEach(async ({ gatehouse }) => removeSandboxes(gatehouse.info));

  test('create a sandbox from a template and watch its transcript fill live', async ({ page, gatehouse }) => {
    await page.goto(gatehouse.info.console);
    await openScreen(page, 'Sandboxes');
    const form = page.getByRole('form', { name: 'Create a sandbox' });
    await form.getByLabel('Template').selectOption('demo-helpful');
    await form.getByLabel('Workspace folder').fill(workspace());
    await page.screenshot({ path: 'playwright/screenshots/sandboxes.png' });
    await form.getByRole('button', { name: 'Create and start' }).click();

    // The detail view: state, streaming logs of the agent's work.
    await expect(page.getByTestId('sandbox-state')).toHaveText(/running|exited/);
    await expect(page.getByTestId('sandbox-logs')).toContainText("I'll start by looking at the workspace.");
    await expect(page.getByTestId('sandbox-logs')).toContainText('read_file');
    await page.screenshot({ path: 'playwright/screenshots/sandbox-detail.png' });

    await page.getByRole('link', { name: 'Open live transcript' }).click();
    const conversation = page.getByTestId('conversation');
    await expect(conversation).toContainText("I'll start by looking at the workspace.");
    await expect(conversation.locator('[data-type="tool_call"]').first()).toBeVisible();
    // what the gateway refused (no such service) sits inline in the conversation, with its reason
    await expect(conversation.locator('[data-status="unknown_service"]').first()).toContainText(
      'unknown_service',
    );
    await page.screenshot({ path: 'playwright/screenshots/sandbox-transcript.png' });
  });

  test('an interactive terminal in a running sandbox; stop and remove it', async ({ page, gatehouse }) => {
    await page.goto(gatehouse.info.console);
    await openScreen(page, 'Sandboxes');
    const form = page.getByRole('form', { name: 'Create a sandbox' });
    await form.getByLabel('Template').selectOption('custom');
    await form.getByLabel('Workspace folder').fill(workspace());
    await form.getByLabel('Command').fill('sleep 600');
    await form.getByRole('button', { name: 'Create and start' }).click();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(page.getByTestId('sandbox-state')).toHaveText('running');

    await page.getByRole('tab', { name: 'Terminal' }).click();
    await expect(page.getByText('Terminal: connected')).toBeVisible();
    await page.getByLabel('Sandbox terminal').click();
    await page.keyboard.type('echo "term-$((6*7))"\n');
    await expect(page.locator('.xterm-rows')).toContainText('term-42');
    await page.screenshot({ path: 'playwright/screenshots/sandbox-terminal.png' });

    await page.getByRole('button', { name: /^Stop custom-/ }).click();
    await expect(page.getByTestId('sandbox-state')).toHaveText('exited', { timeout: 30_000 });
    await page.getByRole('button', { name: /^Remove custom-/ }).click();
    await page
      .getByRole('dialog', { name: /^Remove / })
      .getByRole('button', { name: 'Remove' })
      .click();
    await expect(page.getByRole('heading', { name: 'Sandboxes' })).toBeVisible();
    await expect(page.getByRole('form', { name: 'Create a sandbox' })).toBeVisible();
  });
});
