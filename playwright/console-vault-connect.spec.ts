import { test, expect, api } from './fixtures.js';
import { openScreen } from './console-helpers.js';
import { startOAuthServer } from '../electron/core/vault/testing/oauth-server.js';

// The console's OAuth Connect flow end to end: a real OpenID provider (oidc-provider) on
// loopback, an oauth-pkce credential added on the Vault screen, the sign-in page opened from the
// Connect dialog in a new tab, the provider's redirect to the vault's loopback callback, and the
// credential connected — its tokens never shown.
test('Connect signs in at the provider and the credential becomes connected', async ({ page, gatehouse }) => {
  const as = await startOAuthServer();
  try {
    await page.goto(gatehouse.info.console);
    await openScreen(page, 'Vault');
    const form = page.getByRole('form', { name: 'Add a credential' });
    await form.getByLabel('Name').fill('oidc-e2e');
    await form.getByLabel('Kind').selectOption('oauth-pkce');
    await form.getByLabel('Authorize URL').fill(as.authorizeUrl);
    await form.getByLabel('Token URL').fill(as.tokenUrl);
    await form.getByLabel('Client ID').fill(as.cli.clientId);
    await form.getByLabel('Scopes').fill('openid read');
    await form.getByRole('button', { name: 'Add credential' }).click();

    const row = page.getByTestId('credential-oidc-e2e');
    await expect(row).toContainText('not connected');
    await row.getByRole('button', { name: 'Connect oidc-e2e' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect oidc-e2e' });
    await expect(dialog.getByTestId('connect-state')).toHaveText('pending');

    const [signIn] = await Promise.all([
      page.context().waitForEvent('page'),
      dialog.getByRole('link', { name: 'Open the sign-in page' }).click(),
    ]);
    await signIn.waitForLoadState();
    expect(new URL(signIn.url()).hostname).toBe('127.0.0.1'); // the vault's loopback callback
    await expect(dialog.getByTestId('connect-state')).toHaveText('connected', { timeout: 15_000 });
    await signIn.close();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect(row).toContainText('ok');

    expect(as.tokenCalls).toContain('authorization_code');
    const listed = await api<{ credentials: { name: string; state: string }[] }>(
      gatehouse.info,
      'vault.list',
    );
    expect(listed.credentials.find((c) => c.name === 'oidc-e2e')?.state).toBe('ok');
    expect(await page.content()).not.toMatch(/refresh_token|access_token/);
  } finally {
    await as.close();
  }
});
