import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The entry script of the real MCP test server from npm (@modelcontextprotocol/server-everything). */
export const EVERYTHING_SERVER = join(
  createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json'),
  '..',
  'dist',
  'index.js',
);
