#!/usr/bin/env node
// The `gatehouse` command. The core is TypeScript run through tsx, so there is no build step
// between a clone and `npx gatehouse serve`.
import { register } from 'tsx/esm/api';

register();
await import('../electron/cli/main.ts');
