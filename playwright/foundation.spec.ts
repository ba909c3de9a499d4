import { test, expect } from './fixtures.js';

test.describe('headless console', () => {
  test('opens with the token and shows the Docker engine state', async ({ page, gatehouse }) => {
    await page.goto(gatehouse.info.console);
    await expect(page).toHaveURL(/\/$/); // the token moved from the URL into a cookie
    await expect(page.getByRole('navigation')).toBeVisible();
    await expect(page.getByText(/docker engine/i).first()).toBeVisible();
    await expect(page.getByRole('button', { name: /stop everything \(kill switch\)/i })).toBeVisible();
  });

  test('refuses requests without the token, with a foreign Host or a foreign Origin', async ({
    gatehouse,
  }) => {
    const { api, token } = gatehouse.info;
    const noToken = await fetch(`${api}/api/system.status`, { method: 'POST', body: '{}' });
    expect(noToken.status).toBe(401);
    const page = await fetch(`${api}/`);
    expect(page.status).toBe(401);

    const port = new URL(api).port;
    const http = await import('node:http');
    const status = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/api/system.status',
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, ...headers },
          },
          (res) => (res.resume(), resolve(res.statusCode ?? 0)),
        );
        req.on('error', reject);
        req.end('{}');
      });
    expect(await status({ host: 'evil.example:80' })).toBe(403);
    expect(await status({ origin: 'http://evil.example' })).toBe(403);
    expect(await status({})).toBe(200);
  });
});
