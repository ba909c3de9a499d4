import { test, expect, api } from './fixtures.js';
import { askDemo, hostAgent, openScreen } from './console-helpers.js';

test('a held call waits in Approvals with its context, shows in the nav badge, and goes through when approved', async ({
  page,
  freshGatehouse,
}) => {
  // Its own instance: this test holds the demo service for approval, which would stall others.
  const gatehouse = await freshGatehouse();
  const live = await api<{ yaml: string }>(gatehouse.info, 'policy.get', {});
  // The demo stanza asks a person instead of allowing.
  const held = live.yaml.replace(/(- id: demo-llm\n(?:.*\n)*?\s+effect: )allow/, '$1approve');
  expect(held).not.toBe(live.yaml);
  await api(gatehouse.info, 'policy.apply', { yaml: held, note: 'hold demo calls' });
  const agent = await hostAgent(gatehouse.info, 'approval-agent');

  await page.goto(gatehouse.info.console);
  const call = askDemo(agent, 'may I?');
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByLabel('1 pending')).toBeVisible();
  await openScreen(page, 'Approvals');
  const card = page.getByRole('region', { name: 'Approval for approval-agent' });
  await expect(card).toContainText('demo');
  await expect(card).toContainText('demo-helpful');
  await expect(card).toContainText('demo-llm');
  await page.screenshot({ path: 'playwright/screenshots/approvals.png' });

  await card.getByRole('button', { name: 'Approve once' }).click();
  const result = await call;
  expect(result.status).toBe(200);
  await expect(card).toBeHidden();
  await expect(page.getByText('Nothing is waiting for you.')).toBeVisible();
  await expect(nav.getByLabel(/pending/)).toBeHidden();
});
