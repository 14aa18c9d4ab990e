// Real Redis and PostgreSQL servers for the store tests: started on free ports with their data in a fresh temporary
// folder, stopped in `after()` and, failing that, when the test process exits. No mock stands in for either.
// The binaries come from the Debian packages `redis-server` and `postgresql` (.ci/run installs them); when they are
// missing the tests fail with a message that says so, rather than skipping.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const INSTALL_HINT =
  'The store tests start real servers: install the Debian/Ubuntu packages `redis-server` and `postgresql` ' +
  '(sudo apt-get install redis-server postgresql; .ci/run does this in CI), then run the tests again.';

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function findExecutable(name: string, candidates: string[] = []): string | undefined {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() || undefined : undefined;
}

/** Starts `command` as a tracked child; its output is kept for the error message when it dies early. */
function launch(command: string, args: string[], options: { uid?: number; gid?: number } = {}): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  running.add(child);
  child.once('exit', () => running.delete(child));
  return { child, output: () => output };
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}

/** Sends `signal`, then SIGKILL if the process is still there after `graceMs`. */
async function terminate(child: ChildProcess, signal: NodeJS.Signals, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Waits until `ready()` resolves true, failing with the server's output if it exits or takes too long. */
async function waitUntil(what: string, child: ChildProcess, output: () => string, ready: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} exited while starting:\n${output()}`);
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms:\n${output()}`);
}

/** One request/answer over a raw TCP connection (enough for Redis's PING). */
function tcpAsk(port: number, request: string, expect: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith(expect));
    });
  });
}

export interface TestServer {
  readonly port: number;
  readonly url: string;
  /** Kills the server at once (SIGKILL for Redis, an immediate shutdown for PostgreSQL): clients see it vanish. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  stop(): Promise<void>;
}

/** One redis-server on `port` with its data in `dir`, as a TestServer (crash, restart on the same port and folder). */
async function redisNode(port: number, dir: string, args: string[]): Promise<TestServer> {
  const redisServer = findExecutable('redis-server', ['/usr/bin/redis-server']);
  if (!redisServer) throw new Error(`redis-server was not found. ${INSTALL_HINT}`);
  let current: ChildProcess | undefined;
  const start = async () => {
    const { child, output } = launch(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--loglevel', 'warning', ...args]);
    current = child;
    await waitUntil(`redis-server on port ${port}`, child, output, () => tcpAsk(port, 'PING\r\n', '+PONG'));
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    crash: async () => {
      if (current) await terminate(current, 'SIGKILL');
    },
    restart: start,
    stop: async () => {
      if (current) await terminate(current, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `persistence: true` keeps an append-only file (the default test server keeps nothing, like a cache-only Redis). */
export async function startRedis(options: { persistence?: boolean } = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'qpay-redis-'));
  return redisNode(await freePort(), dir, ['--appendonly', options.persistence ? 'yes' : 'no']);
}

export interface TestCluster {
  /** The masters, each with its own process (crash one to lose its slots). */
  readonly masters: TestServer[];
  /** Startup nodes for `new Cluster(...)` / RedisStore's `{ cluster }` option. */
  readonly nodes: { host: string; port: number }[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` masters without replicas (`redis-cli --cluster create`), each keeping an append-only
 * file fsynced on every write (a crashed master comes back with what it acknowledged) and serving its slots while
 * another master is down (`cluster-require-full-coverage no`).
 */
export async function startRedisCluster(masters = 3): Promise<TestCluster> {
  const redisCli = findExecutable('redis-cli', ['/usr/bin/redis-cli']);
  if (!redisCli) throw new Error(`redis-cli was not found. ${INSTALL_HINT}`);
  const dir = mkdtempSync(join(tmpdir(), 'qpay-redis-cluster-'));
  const ports = await Promise.all(Array.from({ length: masters }, () => freePort()));
  const servers = await Promise.all(
    ports.map((port) => {
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      return redisNode(port, nodeDir, [
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '3000',
        '--cluster-require-full-coverage', 'no', '--appendonly', 'yes', '--appendfsync', 'always',
      ]);
    }),
  );
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  const created = spawnSync(redisCli, ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (created.status !== 0) {
    await stop();
    throw new Error(`redis-cli --cluster create failed (${created.status}):\n${created.stdout}${created.stderr}`);
  }
  const deadline = Date.now() + 20_000;
  for (const port of ports) {
    for (;;) {
      const info = spawnSync(redisCli, ['-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
      if (info.stdout.includes('cluster_state:ok')) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the cluster on ports ${ports.join(', ')} did not reach cluster_state:ok within 20 s:\n${info.stdout}`);
      }
      await sleep(100);
    }
  }
  return { masters: servers, nodes: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}

/** The newest installed PostgreSQL's bin folder (Debian keeps each major version under /usr/lib/postgresql/N). */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => existsSync(join(root, name, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = findExecutable('initdb');
  return initdb ? initdb.slice(0, initdb.lastIndexOf('/')) : undefined;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user the Debian package creates. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(`PostgreSQL cannot run as root and there is no \`postgres\` OS user to run it as. ${INSTALL_HINT}`);
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export async function startPostgres(): Promise<TestServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL (initdb) was not found under /usr/lib/postgresql/*/bin or on PATH. ${INSTALL_HINT}`);
  const user = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'qpay-postgres-'));
  const data = join(dir, 'data');
  const sockets = join(dir, 'sockets');
  const chown = (path: string) => user && chownSync(path, user.uid, user.gid);
  chown(dir);
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', '--no-sync'], {
    encoding: 'utf8',
    ...user,
  });
  if (init.status !== 0) throw new Error(`initdb failed (exit ${init.status}):\n${init.stdout}\n${init.stderr}`);
  spawnSync('mkdir', ['-p', sockets]);
  chown(sockets);
  const port = await freePort();
  let current: ChildProcess | undefined;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    const { child, output } = launch(
      join(bin, 'postgres'),
      // No fsync: this server lives for one test run, and a crash() kills the processes, not the machine.
      ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', sockets, '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'],
      user ?? {},
    );
    current = child;
    const { default: pg } = await import('pg');
    await waitUntil(`PostgreSQL on port ${port}`, child, output, async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => undefined);
      }
    });
  };
  await start();
  return {
    port,
    url,
    // SIGQUIT is PostgreSQL's immediate shutdown: every connection is cut at once, recovery runs on the next start.
    crash: async () => {
      if (current) await terminate(current, 'SIGQUIT');
    },
    restart: start,
    stop: async () => {
      if (current) await terminate(current, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
