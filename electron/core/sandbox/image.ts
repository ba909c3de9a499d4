import { spawn, execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  realpathSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { GatehouseError } from '../../../shared/errors.js';
import { resourcesDir } from './paths.js';

export const DEFAULT_IMAGE = 'gatehouse/agent:latest';
export const OFFLINE_IMAGE = 'gatehouse/agent:offline';
/** The uid/gid of the `agent` user in both images. */
export const AGENT_UID = 1000;

export type BuildSource = 'auto' | 'dockerfile' | 'offline';
export interface BuildProgress {
  source: 'dockerfile' | 'offline';
  /** 0..100 */
  percent: number;
  message: string;
  done?: boolean;
  image?: string;
  error?: string;
}
export type ProgressFn = (p: BuildProgress) => void;

/** The image settings every Gatehouse image carries (also applied to `docker import`). */
const IMAGE_CHANGES = [
  'ENV PATH=/opt/gatehouse/gate/bin:/usr/local/bin:/usr/bin:/bin',
  'ENV HOME=/home/agent',
  'USER 1000:1000',
  'WORKDIR /workspace',
  'CMD ["/bin/sh"]',
];

/**
 * Builds the agent image: from resources/sandbox/Dockerfile where a registry is reachable, or
 * offline from local files. `auto` tries the Dockerfile and falls back to offline.
 */
export async function buildImage(
  docker: Docker,
  source: BuildSource,
  progress: ProgressFn = () => {},
): Promise<string> {
  if (source === 'offline') return buildOfflineImage(docker, progress);
  if (source === 'dockerfile') return buildDockerfileImage(docker, progress);
  try {
    return await buildDockerfileImage(docker, progress);
  } catch (e) {
    progress({
      source: 'offline',
      percent: 0,
      message: `Dockerfile build failed (${(e as Error).message}); building offline`,
    });
    return buildOfflineImage(docker, progress);
  }
}

export async function buildDockerfileImage(docker: Docker, progress: ProgressFn): Promise<string> {
  const context = resourcesDir();
  progress({ source: 'dockerfile', percent: 0, message: `docker build ${join(context, 'sandbox')}` });
  const stream = await docker.buildImage(
    { context, src: ['sandbox/Dockerfile', 'sandbox/entrypoint.sh', 'gate/gate.mjs', 'gate/launch.c'] },
    { t: DEFAULT_IMAGE, dockerfile: 'sandbox/Dockerfile' },
  );
  let percent = 0;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null, out: { error?: string }[]) => {
        const failed = err?.message ?? out.find((o) => o.error)?.error;
        if (failed)
          reject(new GatehouseError('image_build_failed', `The image build failed: ${failed.trim()}`, 500));
        else resolve();
      },
      (ev: { stream?: string; status?: string; error?: string }) => {
        const line = (ev.stream ?? ev.status ?? ev.error ?? '').trim();
        const step = /^Step (\d+)\/(\d+)/.exec(line);
        if (!line) return;
        // Lines between steps (pull and command output) keep the last step's percentage.
        if (step) percent = Math.round((Number(step[1]) / Number(step[2])) * 95);
        progress({ source: 'dockerfile', percent, message: line });
      },
    );
  });
  progress({
    source: 'dockerfile',
    percent: 100,
    message: `built ${DEFAULT_IMAGE}`,
    done: true,
    image: DEFAULT_IMAGE,
  });
  return DEFAULT_IMAGE;
}

/** Files copied from the host into the offline rootfs: the node binary and what `ldd` says it needs. */
export function hostNodeFiles(nodePath = process.execPath): string[] {
  const [real, ...libs] = withLibraries(nodePath);
  // glibc's companions next to libc: native agent CLIs (Claude Code's binary needs librt) expect them.
  const libc = libs.find((l) => basename(l) === 'libc.so.6');
  const companions = libc
    ? GLIBC_COMPANIONS.map((n) => join(dirname(libc), n)).filter((p) => existsSync(p))
    : [];
  return [real as string, ...new Set([...libs, ...companions])];
}

/** A binary (resolved) and the shared libraries `ldd` says it loads. */
function withLibraries(binary: string): string[] {
  const real = realpathSync(binary);
  let out = '';
  try {
    out = execFileSync('ldd', [real], { encoding: 'utf8' });
  } catch {
    // A static node (or no ldd): nothing else to copy.
  }
  return [real, ...[...out.matchAll(/(\/\S+)\s+\(0x/g)].map((m) => m[1]!)];
}

/** The host's git, if it has one: agents expect `git` in their workspace. */
const HOST_GIT = ['/usr/bin/git', '/usr/local/bin/git'].find((p) => existsSync(p));
/** Label on offline images that carry git. */
export const GIT_LABEL = 'dev.gatehouse.git';
export const hostHasGit = (): boolean => HOST_GIT !== undefined;

/** glibc libraries node does not link but native agent binaries do; copied when the host has them. */
export const GLIBC_COMPANIONS = ['librt.so.1', 'libresolv.so.2', 'libutil.so.1', 'libanl.so.1'];
/** Label on offline images that carry GLIBC_COMPANIONS (older ones are rebuilt by tests that need them). */
export const GLIBC_LABEL = 'dev.gatehouse.glibc-companions';

function findBusybox(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox', '/usr/sbin/busybox']) if (existsSync(p)) return p;
  throw new GatehouseError(
    'busybox_missing',
    'The offline image build needs a static busybox for the shell and core tools: `apt-get install -y busybox-static`.',
    500,
  );
}

/** Lays out the offline root filesystem in a temp dir and returns it. The caller removes it. */
export function assembleRootfs(): string {
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-rootfs-'));
  const put = (src: string, dest: string) => {
    mkdirSync(join(root, dirname(dest)), { recursive: true });
    copyFileSync(src, join(root, dest));
  };
  const files = hostNodeFiles();
  put(files[0]!, '/usr/local/bin/node');
  for (const lib of files.slice(1)) put(lib, lib);
  if (HOST_GIT) {
    // git's built-in commands (init, add, commit, diff, log, status, ...) are in the one binary;
    // helpers in git-core (remote transports, scripts) are left out: the sandbox has no network.
    const [git, ...gitLibs] = withLibraries(HOST_GIT);
    put(git as string, '/usr/bin/git');
    for (const lib of gitLibs) if (!existsSync(join(root, lib))) put(lib, lib);
    const templates = '/usr/share/git-core/templates';
    if (existsSync(templates)) cpSync(templates, join(root, templates), { recursive: true });
  }
  const busybox = findBusybox();
  put(busybox, '/bin/busybox');
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const a of applets) {
    if (a === 'busybox' || a.includes('/')) continue;
    const link = join(root, 'bin', a);
    if (!existsSync(link)) symlinkSync('busybox', link);
  }
  for (const d of [
    'tmp',
    'home/agent',
    'workspace',
    'run/gatehouse',
    'etc/gatehouse',
    'opt/gatehouse/gate/bin',
    'usr/bin',
  ]) {
    mkdirSync(join(root, d), { recursive: true });
  }
  chmodSync(join(root, 'tmp'), 0o1777);
  symlinkSync('/bin/env', join(root, 'usr/bin/env'));
  put(join(resourcesDir(), 'gate', 'gate.mjs'), '/opt/gatehouse/gate/gate.mjs');
  compileLauncher(join(root, LAUNCHER.slice(1)));
  symlinkSync('../gate.mjs', join(root, 'opt/gatehouse/gate/bin/gate'));
  writeFileSync(
    join(root, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\nagent:x:${AGENT_UID}:${AGENT_UID}:agent:/home/agent:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n`,
  );
  writeFileSync(join(root, 'etc/group'), `root:x:0:\nagent:x:${AGENT_UID}:\nnogroup:x:65534:\n`);
  writeFileSync(join(root, 'etc/hosts'), '127.0.0.1 localhost\n');
  writeFileSync(join(root, 'etc/os-release'), 'NAME="Gatehouse agent (offline)"\nID=gatehouse\n');
  return root;
}

/** Where the images keep gate-launch (outside /opt/gatehouse/gate, which is mounted over). */
export const LAUNCHER = '/opt/gatehouse/bin/gate-launch';
/** The image label that says the image has gate-launch. */
export const LAUNCHER_LABEL = 'dev.gatehouse.launcher';
let launcherBuilt = false;

/**
 * Builds resources/gate/launch.c statically when a C compiler is present; without one the
 * image simply has no launcher and sandboxes start through `gate exec` (a little slower).
 */
function compileLauncher(dest: string): void {
  mkdirSync(dirname(dest), { recursive: true });
  launcherBuilt = false;
  for (const cc of ['cc', 'gcc', 'clang']) {
    try {
      execFileSync(cc, ['-static', '-Os', '-o', dest, join(resourcesDir(), 'gate', 'launch.c')], {
        stdio: 'ignore',
      });
      launcherBuilt = true;
      return;
    } catch {
      // the next compiler, or none
    }
  }
}

/** Assembles a rootfs from local files and `docker import`s it as gatehouse/agent:offline. No registry needed. */
export async function buildOfflineImage(docker: Docker, progress: ProgressFn): Promise<string> {
  if (process.platform !== 'linux') {
    throw new GatehouseError(
      'offline_build_linux_only',
      "The offline image is assembled from this machine's own Linux node binary, so it builds on Linux only. Use `--from dockerfile` (needs a registry) or pick your own image with node in it.",
      400,
    );
  }
  progress({ source: 'offline', percent: 5, message: 'collecting node, its libraries and busybox' });
  const root = assembleRootfs();
  if (!launcherBuilt) {
    progress({
      source: 'offline',
      percent: 25,
      message: 'no C compiler: sandboxes will start through `gate exec`',
    });
  }
  try {
    progress({ source: 'offline', percent: 30, message: `packing the root filesystem (${root})` });
    const tar = spawn('tar', ['-C', root, '--numeric-owner', '--owner=0', '--group=0', '-cf', '-', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tarErr = '';
    tar.stderr.on('data', (c: Buffer) => (tarErr += c.toString()));
    const tarDone = new Promise<void>((resolve, reject) =>
      tar.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar failed: ${tarErr.trim()}`)))),
    );
    progress({ source: 'offline', percent: 50, message: `importing as ${OFFLINE_IMAGE}` });
    const [repo, tag] = OFFLINE_IMAGE.split(':') as [string, string];
    const stream = await docker.importImage(tar.stdout as unknown as string, {
      repo,
      tag,
      changes: [
        ...IMAGE_CHANGES,
        `LABEL ${GLIBC_LABEL}=1`,
        ...(HOST_GIT ? [`LABEL ${GIT_LABEL}=1`] : []),
        ...(launcherBuilt ? [`LABEL ${LAUNCHER_LABEL}=${LAUNCHER}`] : []),
      ],
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = err?.message ?? out.find((o) => o.error)?.error;
        if (failed) reject(new GatehouseError('image_build_failed', `docker import failed: ${failed}`, 500));
        else resolve();
      });
    });
    await tarDone;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  progress({
    source: 'offline',
    percent: 100,
    message: `built ${OFFLINE_IMAGE}`,
    done: true,
    image: OFFLINE_IMAGE,
  });
  return OFFLINE_IMAGE;
}

/** Whether an image exists locally. */
export async function imageExists(docker: Docker, image: string): Promise<boolean> {
  return (await imageLabels(docker, image)) !== undefined;
}

/** An image's labels, or undefined when the image is not present. */
export async function imageLabels(
  docker: Docker,
  image: string,
): Promise<Record<string, string> | undefined> {
  try {
    return (await docker.getImage(image).inspect()).Config?.Labels ?? {};
  } catch {
    return undefined;
  }
}
