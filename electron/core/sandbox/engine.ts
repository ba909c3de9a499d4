import Docker from 'dockerode';
import type { EngineStatus } from '../../../shared/api/system.js';

/** Where dockerode will connect: DOCKER_HOST if set, else the platform's local socket. */
export function engineEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  return process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
}

export function createDocker(env: NodeJS.ProcessEnv = process.env): Docker {
  const host = env.DOCKER_HOST;
  if (!host)
    return new Docker({
      socketPath: process.platform === 'win32' ? '//./pipe/docker_engine' : '/var/run/docker.sock',
    });
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('npipe://')) return new Docker({ socketPath: host.slice('npipe://'.length) });
  // tcp:// (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH): docker-modem reads those from the process environment.
  if (env === process.env) return new Docker();
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** Asks the engine for its version, with a short timeout, and explains a failure. */
export async function probeEngine(docker: Docker, endpoint = engineEndpoint()): Promise<EngineStatus> {
  try {
    const version = await withTimeout(docker.version(), 2000);
    return { reachable: true, endpoint, version: version.Version };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const code = err.code ?? '';
    if (code === 'ENOENT') {
      return {
        reachable: false,
        endpoint,
        problem: 'No Docker engine socket was found.',
        fix: 'Install Docker (Docker Desktop, or `apt-get install docker.io`) and start it, or set DOCKER_HOST.',
      };
    }
    if (code === 'EACCES') {
      return {
        reachable: false,
        endpoint,
        problem: 'The Docker socket exists but this user may not open it.',
        fix: 'Add your user to the "docker" group (then log in again), or run Docker rootless and set DOCKER_HOST.',
      };
    }
    if (code === 'ECONNREFUSED') {
      return {
        reachable: false,
        endpoint,
        problem: 'The Docker socket exists but no engine is answering.',
        fix: 'Start the Docker engine (`sudo dockerd`, or open Docker Desktop).',
      };
    }
    return {
      reachable: false,
      endpoint,
      problem: `The Docker engine did not answer: ${err.message}`,
      fix: 'Check that dockerd is running.',
    };
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })),
      ms,
    );
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}
