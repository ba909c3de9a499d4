import { test, expect, api } from './fixtures.js';
import { openScreen } from './console-helpers.js';
import { startGatehouse } from './gatehouse-process.js';

// A passphrase vault on first use: the console asks for the passphrase twice and refuses a short
// one before anything is set; the ledger's checkpoints wait for the vault (it holds their key).
test('first unlock sets the passphrase, typed twice; checkpoints wait until then', async ({ page }) => {
  const gh = await startGatehouse({ GATEHOUSE_VAULT_KEY: 'passphrase' });
  try {
    expect(await api(gh.info, 'audit.status')).toMatchObject({ checkpointsWaiting: true });
    await page.goto(gh.info.console);
    await openScreen(page, 'Vault');
    await expect(page.getByTestId('vault-state')).toHaveText(/^\s*Locked$/);
    const set = page.getByRole('button', { name: 'Set and unlock' });

    await page.getByLabel('New passphrase').fill('short');
    await page.getByLabel('Repeat it').fill('short');
    await expect(set).toBeDisabled();
    await expect(page.getByText('At least 8 characters.')).toBeVisible();

    await page.getByLabel('New passphrase').fill('correct horse battery');
    await page.getByLabel('Repeat it').fill('correct horse batterx');
    await expect(set).toBeDisabled();
    await expect(page.getByText('The two passphrases differ.')).toBeVisible();

    await page.getByLabel('Repeat it').fill('correct horse battery');
    await set.click();
    await expect(page.getByTestId('vault-state')).toHaveText(/^\s*Unlocked$/);
    await expect
      .poll(
        async () => (await api<{ checkpointsWaiting?: boolean }>(gh.info, 'audit.status')).checkpointsWaiting,
      )
      .toBeUndefined();
  } finally {
    await gh.stop();
  }
});
