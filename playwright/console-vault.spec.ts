import { test, expect } from './fixtures.js';
import { openScreen } from './console-helpers.js';

test('add a credential and see only its mask; rotate and delete it', async ({ page, gatehouse }) => {
  const secret = 'sk-ant-e2e-0123456789abcdefSECRET';
  await page.goto(gatehouse.info.console);
  await openScreen(page, 'Vault');
  await expect(page.getByTestId('vault-state')).toHaveText(/Unlocked/);

  const form = page.getByRole('form', { name: 'Add a credential' });
  await form.getByLabel('Name').fill('anthropic-e2e');
  await form.getByLabel('Secret value').fill(secret);
  await form.getByRole('button', { name: 'Add credential' }).click();

  const row = page.getByTestId('credential-anthropic-e2e');
  await expect(row).toBeVisible();
  const hint = await row.getByTestId('hint').innerText();
  expect(hint).not.toContain(secret);
  expect(hint.length).toBeLessThan(16);
  expect(hint).toMatch(/…|•/);
  // the value is nowhere in the page — not in the form, not in the DOM
  await expect(form.getByLabel('Secret value')).toHaveValue('');
  expect(await page.content()).not.toContain(secret);
  expect(await page.content()).not.toContain('0123456789abcdef');
  await page.screenshot({ path: 'playwright/screenshots/vault.png' });

  // the first-run checklist notices
  await openScreen(page, 'Overview');
  await expect(page.getByTestId('check-credential')).toHaveAttribute('data-done', 'true');
  await expect(page.getByTestId('check-vault')).toHaveAttribute('data-done', 'true');

  await openScreen(page, 'Vault');
  await row.getByRole('button', { name: 'Rotate anthropic-e2e' }).click();
  const rotate = page.getByRole('dialog', { name: 'Rotate anthropic-e2e' });
  await rotate.getByLabel('New value').fill('sk-ant-rotated-zzzz9999');
  await rotate.getByRole('button', { name: 'Rotate' }).click();
  await expect(row.getByTestId('hint')).not.toHaveText(hint);
  expect(await page.content()).not.toContain('sk-ant-rotated-zzzz9999');

  await row.getByRole('button', { name: 'Delete anthropic-e2e' }).click();
  await page
    .getByRole('dialog', { name: 'Delete anthropic-e2e?' })
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(row).toBeHidden();
});
