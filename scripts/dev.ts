import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

// `npm run dev`: a headless core plus Vite with hot reload; Vite proxies /api to the core and
// adds the core's token, so the page needs none.
const core = spawn(process.execPath, ['bin/gatehouse.js', 'serve', '--json', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const line = await new Promise<string>((resolve) =>
  createInterface({ input: core.stdout! }).once('line', resolve),
);
const info = JSON.parse(line) as { api: string; token: string };
console.log(`core at ${info.api}; starting Vite`);
const vite = spawn(process.execPath, ['node_modules/vite/bin/vite.js'], {
  stdio: 'inherit',
  env: { ...process.env, GATEHOUSE_DEV_API: info.api, GATEHOUSE_DEV_TOKEN: info.token },
});
const stop = () => {
  vite.kill('SIGTERM');
  core.kill('SIGTERM');
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
vite.on('exit', stop);
