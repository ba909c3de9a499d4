import { test, expect } from './fixtures.js';
import { removeSandboxes } from './console-helpers.js';

test('one click runs the rogue demo; its transcript fills live and shows what was stopped', async ({
  page,
  freshGatehouse,
}) => {
  const gatehouse = await freshGatehouse();
  await page.goto(gatehouse.info.console);
  await page.getByRole('button', { name: 'Run the rogue demo' }).click();
  await expect(page.getByRole('heading', { name: 'Transcripts' })).toBeVisible();
  const conversation = page.getByTestId('conversation');
  await expect(conversation.locator('[data-type="tool_call"]').first()).toBeVisible({ timeout: 30_000 });
  // each attempt is stopped, and the stop sits inline in the conversation, naming why
  await expect(conversation.locator('[data-type="decision"].deny').first()).toContainText('Policy: deny', {
    timeout: 30_000,
  });
  await expect(conversation).toContainText('demo-budget', { timeout: 30_000 });
  await expect(page.getByTestId('run-totals')).toContainText(/[1-9]\d* denials/);
  await page.screenshot({ path: 'playwright/screenshots/demo-rogue.png' });
  // the secret the rogue agent found in the workspace never reaches the console
  await page.getByRole('tab', { name: 'Timeline' }).click();
  await expect(page.getByRole('listbox', { name: 'Run events' }).getByRole('option').first()).toBeVisible();
  expect(await page.content()).not.toContain('ghp_DemoPlantedSecret');
  await removeSandboxes(gatehouse.info);
});

test('the presenter hits STOP ALL mid-run: the rogue is stopped where it stands, and release asks first', async ({
  page,
  freshGatehouse,
}) => {
  const gatehouse = await freshGatehouse();
  await page.goto(gatehouse.info.console);
  await page.getByRole('button', { name: 'Run the rogue demo' }).click();
  const conversation = page.getByTestId('conversation');
  // mid-run: after its first stopped attempt, before it has burnt its budget
  await expect(conversation.locator('[data-type="decision"].deny').first()).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: /stop everything \(kill switch\)/i }).click();
  await expect(page.getByText(/kill switch engaged/i).first()).toBeVisible();
  // In a sandbox the agent is paused (its state kept); as a host agent its next call is refused.
  await expect(conversation).toContainText(/paused|kill-switch/i, { timeout: 30_000 });
  await expect(conversation).not.toContainText('demo-budget');
  await page.screenshot({ path: 'playwright/screenshots/demo-rogue-killed.png' });
  await page
    .getByRole('button', { name: /release/i })
    .first()
    .click();
  await expect(page.getByRole('dialog')).toBeVisible(); // release always asks
  await removeSandboxes(gatehouse.info);
});
