import { test, expect } from './fixtures.js';
import { askDemo, hostAgent } from './console-helpers.js';

test.describe('console shell', () => {
  test('overview shows the engine state; nav, palette and the kill switch work', async ({
    page,
    gatehouse,
  }) => {
    await page.goto(gatehouse.info.console);
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
    const engine = page.getByTestId('engine-state');
    await expect(engine).toHaveText(/reachable/i);
    await expect(page.getByText(gatehouse.info.dataDir)).toBeVisible();
    await expect(page.getByRole('img', { name: 'Requests and denials per second' })).toBeVisible();
    await page.screenshot({ path: 'playwright/screenshots/overview.png', fullPage: true });

    // keyboard: command palette jumps to a screen
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await expect(palette).toBeVisible();
    await page.keyboard.type('settings');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
    await expect(page).toHaveURL(/#\/settings$/);
    await page.getByRole('button', { name: 'Verify the hash chain' }).click();
    await expect(page.getByTestId('verify-result')).toContainText(/intact/i);
    await page.screenshot({ path: 'playwright/screenshots/settings.png', fullPage: true });
    await page.keyboard.press('Alt+1');
    await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();

    // light/dark follows the OS
    await page.emulateMedia({ colorScheme: 'dark' });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(16, 19, 23)');
    await page.screenshot({ path: 'playwright/screenshots/overview-dark.png' });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
      'rgb(246, 247, 249)',
    );
  });

  test('the big red button stops everything; release asks first', async ({ page, gatehouse }) => {
    await page.goto(gatehouse.info.console);
    await page.getByRole('button', { name: 'Stop everything (kill switch)' }).click();
    const banner = page.getByRole('alert', { name: 'Kill switch engaged' });
    await expect(banner).toBeVisible();
    await expect(banner).toContainText('Everything');
    // the core agrees: the switch is really engaged
    const res = await fetch(`${gatehouse.info.api}/api/kill.status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gatehouse.info.token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const status = (await res.json()) as { result: { engaged: { scope: { kind: string } }[] } };
    expect(status.result.engaged.map((e) => e.scope.kind)).toContain('global');
    await page.screenshot({ path: 'playwright/screenshots/kill-engaged.png', fullPage: true });

    await banner.getByRole('button', { name: /Release: Everything/ }).click();
    const confirm = page.getByRole('dialog', { name: 'Release the kill switch?' });
    await expect(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect(banner).toBeVisible(); // cancel keeps it engaged
    await banner.getByRole('button', { name: /Release: Everything/ }).click();
    await page
      .getByRole('dialog', { name: 'Release the kill switch?' })
      .getByRole('button', { name: 'Release' })
      .click();
    await expect(banner).toBeHidden();
    await expect(page.getByRole('button', { name: 'Stop everything (kill switch)' })).toBeEnabled();
  });
});

test('a per-agent switch on its row stops that agent only', async ({ page, gatehouse }) => {
  const agent = await hostAgent(gatehouse.info, 'row-switch-agent');
  await page.goto(gatehouse.info.console);
  await page.getByRole('button', { name: 'Kill switch for row-switch-agent' }).click();
  const banner = page.getByRole('alert', { name: 'Kill switch engaged' });
  await expect(banner).toContainText('Agent row-switch-agent');
  const refused = await askDemo(agent, 'still there?');
  expect(refused.status).toBeGreaterThanOrEqual(400);
  expect(JSON.stringify(refused.body)).toMatch(/kill/i);

  await page.getByRole('button', { name: 'Release kill switch for row-switch-agent' }).click();
  await page
    .getByRole('dialog', { name: 'Release row-switch-agent?' })
    .getByRole('button', { name: 'Release' })
    .click();
  await expect(banner).toBeHidden();
  expect((await askDemo(agent, 'back again')).status).toBe(200);
});

test('a per-service switch on its row stops that service', async ({ page, gatehouse }) => {
  const agent = await hostAgent(gatehouse.info, 'service-switch-agent');
  await page.goto(gatehouse.info.console);
  const services = page.getByRole('table', { name: 'Services' });
  await services.getByRole('button', { name: 'Kill switch for service demo', exact: true }).click();
  const banner = page.getByRole('alert', { name: 'Kill switch engaged' });
  await expect(banner).toContainText('Service demo');
  expect((await askDemo(agent, 'anyone?')).status).toBeGreaterThanOrEqual(400);
  await services.getByRole('button', { name: 'Release kill switch for service demo', exact: true }).click();
  await page
    .getByRole('dialog', { name: 'Release service demo?' })
    .getByRole('button', { name: 'Release' })
    .click();
  await expect(banner).toBeHidden();
  expect((await askDemo(agent, 'back?')).status).toBe(200);
});
