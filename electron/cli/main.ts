import { runCli } from './run.js';
import { EXIT, type CliIO } from './io.js';

const io: CliIO = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = EXIT.failed;
  },
);
