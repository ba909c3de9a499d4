import { test, expect } from './fixtures.js';
import { askDemo, hostAgent, openScreen } from './console-helpers.js';

test('edit the policy, see the diff, apply it, and see a request denied with the rule named', async ({
  page,
  gatehouse,
}) => {
  const agent = await hostAgent(gatehouse.info, 'policy-agent');
  expect((await askDemo(agent, 'hello')).status).toBe(200); // allowed by demo-llm before the edit

  await page.goto(gatehouse.info.console);
  await openScreen(page, 'Policy');
  await expect(page.getByTestId('policy-editor')).toBeVisible();
  await expect(page.getByTestId('policy-valid')).toHaveText('valid');

  // Typing something the schema refuses is flagged as you type, and Apply stays off.
  await page.getByRole('textbox', { name: 'Policy YAML' }).click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\nbogus: 1');
  await expect(page.getByTestId('policy-valid')).toHaveText(/problem/);
  await expect(page.locator('.cm-lintRange-error').first()).toBeVisible();
  await expect(page.getByRole('button', { name: 'Review and apply…' })).toBeDisabled();
  await page.screenshot({ path: 'playwright/screenshots/policy.png' });
  await page.getByRole('button', { name: 'Revert' }).click();
  await expect(page.getByTestId('policy-valid')).toHaveText('valid');

  // The form view edits the same document.
  await page.getByRole('tab', { name: 'Form' }).click();
  await page.getByLabel('Effect of demo-llm').selectOption('deny');
  await page.getByRole('tab', { name: /Diff vs live/ }).click();
  const diff = page.getByTestId('policy-diff');
  await expect(diff.locator('.del')).toContainText('effect: allow');
  await expect(diff.locator('.add')).toContainText('effect: deny');
  await page.screenshot({ path: 'playwright/screenshots/policy-diff.png' });

  // Dry run against recent traffic: the one earlier call would now be denied by demo-llm.
  await page.getByRole('tab', { name: 'Dry run' }).click();
  await page.getByRole('button', { name: /Dry-run the draft/ }).click();
  await expect(page.getByTestId('dryrun-summary')).toContainText('1 would change');
  const changes = page.getByRole('table', { name: 'Decisions that would change' });
  await expect(changes).toContainText('policy-agent');
  await expect(changes).toContainText('deny');
  await page.screenshot({ path: 'playwright/screenshots/policy-dryrun.png' });

  await page.getByRole('button', { name: 'Review and apply…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Apply policy' });
  await expect(dialog.getByTestId('policy-diff')).toContainText('effect: deny');
  await dialog.getByLabel('Note').fill('stop the demo agents');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/Policy v2 is live/)).toBeVisible();

  // The gateway now refuses, naming the rule; the console shows the denial with its rule.
  const denied = await askDemo(agent, 'hello again');
  expect(denied.status).toBe(403);
  expect(JSON.stringify(denied.body)).toContain('demo-llm');
  await openScreen(page, 'Overview');
  const denials = page.getByRole('list', { name: 'Recent denials' });
  await expect(denials).toContainText('policy-agent');
  await expect(denials).toContainText('demo-llm');

  // History lists v2 with its note; rollback brings v1's text back as v3.
  await openScreen(page, 'Policy');
  await page.getByRole('tab', { name: 'History' }).click();
  const versions = page.getByRole('table', { name: 'Policy versions' });
  await expect(versions).toContainText('stop the demo agents');
  await versions.getByRole('button', { name: 'Roll back to v1' }).click();
  await page
    .getByRole('dialog', { name: 'Roll back to v1?' })
    .getByRole('button', { name: 'Roll back' })
    .click();
  await expect(page.getByText(/Policy v3 is live/)).toBeVisible();
  await page.screenshot({ path: 'playwright/screenshots/policy-history.png' });
  expect((await askDemo(agent, 'allowed again')).status).toBe(200);
});
