// The package as a shop gets it: `npm pack` of the built package, installed from the tarball into an empty
// temporary project. Shared by the package test and the README test. Builds dist/ first when it is missing or
// older than the sources (`npm test` builds before the node stage).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs a command and answers its stdout; throws with both outputs when it fails. */
export function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}) in ${cwd}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** dist/ exists and is newer than everything it is built from. */
function distIsFresh(): boolean {
  const builtMarker = join(ROOT, 'dist', 'index.js');
  if (!existsSync(builtMarker) || !existsSync(join(ROOT, 'custom-elements.json'))) return false;
  const inputs = ['src', 'package.json', 'scripts/build.mjs', 'scripts/entries.mjs', 'tsconfig.build.json'].map((p) => join(ROOT, p));
  return statSync(builtMarker).mtimeMs >= Math.max(...inputs.filter(existsSync).map(newestMtime));
}

/** The version of a package in the repository's node_modules. */
export function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

export interface PackedProject {
  /** The temporary project's folder. */
  dir: string;
  /** The files in the tarball, without the `package/` prefix. */
  tarballEntries: string[];
}

/**
 * Packs the package into a fresh temporary project (`{name: 'shop', type: 'module'}`), then installs the tarball
 * with `packages` beside it, each at the version this repository tested with (from the npm cache when there).
 * `prepare` runs before the install, to write files the project needs.
 */
export function packIntoEmptyProject(packages: string[], log: (message: string) => void, prepare?: (dir: string) => void): PackedProject {
  const started = Date.now();
  if (!distIsFresh()) {
    log('dist/ is missing or older than the sources: running npm run build');
    run('npm', ['run', 'build', '--silent'], ROOT);
  }
  const dir = mkdtempSync(join(tmpdir(), 'qpay-package-'));
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as { filename: string }[];
  const tarball = join(dir, packed[0]!.filename);
  const tarballEntries = run('tar', ['-tzf', tarball], dir)
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', private: true, type: 'module' }, null, 2));
  prepare?.(dir);
  const extras = packages.map((name) => `${name}@${installedVersion(name)}`);
  run('npm', ['install', tarball, ...extras, '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], dir);
  log(`packed and installed into ${dir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { dir, tarballEntries };
}
