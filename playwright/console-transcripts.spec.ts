import { test, expect } from './fixtures.js';
import { askDemo, hostAgent, openScreen } from './console-helpers.js';

test('a run appears live, reads as a conversation, and follows new calls', async ({ page, gatehouse }) => {
  const agent = await hostAgent(gatehouse.info, 'transcript-agent');
  await page.goto(gatehouse.info.console);
  await openScreen(page, 'Transcripts');
  await expect(page.getByRole('heading', { name: 'Transcripts' })).toBeVisible();

  // The first call creates the run; the list picks it up from the live stream, no reload.
  expect((await askDemo(agent, 'please tidy the workspace')).status).toBe(200);
  const runLink = page.getByRole('list', { name: 'Runs' }).getByRole('link').first();
  await expect(runLink).toBeVisible();
  await expect(page.getByRole('list', { name: 'Runs' })).toContainText('transcript-agent');
  await page.screenshot({ path: 'playwright/screenshots/transcripts.png' });

  await runLink.click();
  const conversation = page.getByTestId('conversation');
  await expect(conversation).toContainText('please tidy the workspace');
  await expect(conversation).toContainText("I'll start by looking at the workspace.");
  await expect(conversation.locator('[data-type="tool_call"]').first()).toContainText('list_files');

  // A second call while the run is open: the conversation fills in live.
  expect((await askDemo(agent, 'and then write a summary file')).status).toBe(200);
  await expect(conversation).toContainText('and then write a summary file');
  await page.screenshot({ path: 'playwright/screenshots/transcript-run.png' });

  // Timeline: every event, with the raw (redacted) detail of one.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const events = page.getByRole('listbox', { name: 'Run events' });
  await expect(events.getByRole('option').first()).toBeVisible();
  await events.getByRole('option').filter({ hasText: 'request' }).first().click();
  const detail = page.getByRole('region', { name: 'Event detail' });
  await expect(detail).toContainText('request');
  await expect(detail.getByLabel('Raw payload')).toBeVisible();
  // the host agent's gateway key never reaches the console
  expect(await page.content()).not.toContain(agent.hostKey);
  await page.screenshot({ path: 'playwright/screenshots/transcript-timeline.png' });

  await page.getByRole('tab', { name: 'Replay' }).click();
  await expect(page.getByRole('list', { name: 'Replayed steps' }).locator('li').first()).toBeVisible();
});
