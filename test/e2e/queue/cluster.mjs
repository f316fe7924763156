// n8n in queue mode: one main (`n8n start`) and workers (`n8n worker --concurrency=N`), each a
// child process with its own user folder holding the package as n8n's community installer puts
// it, all sharing one Redis, one Postgres and one encryption key. Workers can be killed, stopped
// and restarted in their user folder; their logs say which executions they ran.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { installCommunityPackage } from '../install.mjs';
import { check, freePort, killTree, start, stopChild } from '../lib.mjs';
import { n8nEnv } from '../n8n.mjs';
import { restClient, waitForReady } from '../server.mjs';

/**
 * Short Bull timings (n8n's defaults are a 60 s lock and a 30 s stalled check): a killed worker's
 * executions end within ~15 s instead of ~90 s. Every process gets them.
 */
export const SHORT_QUEUE_TIMINGS = {
	QUEUE_WORKER_LOCK_DURATION: '10000',
	QUEUE_WORKER_LOCK_RENEW_TIME: '2500',
	QUEUE_WORKER_STALLED_INTERVAL: '5000',
};

/** The environment every process of the cluster shares. */
function queueEnv({ redis, postgres, extra }) {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(postgres.port),
		DB_POSTGRESDB_DATABASE: 'postgres',
		DB_POSTGRESDB_USER: 'postgres',
		DB_POSTGRESDB_PASSWORD: 'postgres',
		N8N_SECURE_COOKIE: 'false',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		...SHORT_QUEUE_TIMINGS,
		...extra,
	};
}

/** Worker log lines: `Worker started execution <id> (job <n>)` (n8n 1.123 and 2.41). */
export const startedExecutions = (output) =>
	[...output.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]);

export class Cluster {
	/**
	 * @param n8n an installed line (ensureN8n) @param runDir the run's temp folder
	 * @param servers { redis, postgres } @param extra env for every process (e.g. binary data mode)
	 */
	constructor(n8n, runDir, servers, { concurrency = 5, extra = {} } = {}) {
		this.n8n = n8n;
		this.runDir = runDir;
		this.env = queueEnv({ ...servers, extra });
		this.concurrency = concurrency;
		this.filesDir = join(runDir, 'files');
		/** @type {{ name: string, userFolder: string, child: any, port: number, logs: string[] }[]} */
		this.workers = [];
	}

	/** Installs the packed package into each process's user folder, side by side. */
	async installPackage(tarball, workerCount) {
		this.mainFolder = join(this.runDir, 'main');
		const folders = [this.mainFolder];
		for (let i = 1; i <= workerCount; i++) {
			const userFolder = join(this.runDir, `worker-${i}`);
			this.workers.push({ name: `worker-${i}`, userFolder, child: null, port: 0, logs: [] });
			folders.push(userFolder);
		}
		await Promise.all(folders.map((f) => installCommunityPackage(f, tarball, this.n8n.env)));
		return folders.length;
	}

	async processEnv(userFolder, extra) {
		return n8nEnv(this.n8n, userFolder, this.filesDir, {
			...this.env,
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...extra,
		});
	}

	/** Starts `n8n <args>`; `child.timed` keeps its output with the run's clock (n8n's text logs carry no time). */
	spawn(args, env, cwd) {
		const timed = [];
		const child = start('node', [this.n8n.bin, ...args], {
			env,
			cwd,
			onOutput: (chunk) =>
				timed.push(chunk.replace(/^(?=.)/gm, `[${new Date().toISOString().slice(11, 23)}] `)),
		});
		child.timed = timed;
		return child;
	}

	/** `n8n start` on 127.0.0.1; ready when /healthz/readiness answers (migrations run first). */
	async startMain() {
		const port = await freePort();
		this.base = `http://127.0.0.1:${port}`;
		const env = await this.processEnv(this.mainFolder, {
			N8N_PORT: String(port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			WEBHOOK_URL: `${this.base}/`,
		});
		this.main = this.spawn(['start'], env, this.mainFolder);
		await waitForReady(this.main, this.base, 180_000);
		this.rest = restClient(this.base);
		return this.main;
	}

	/**
	 * Starts (or restarts, in the same user folder) worker `w`; ready at its health server.
	 * `freshEventLog`: remove the worker's event log first (`.n8n/n8nEventLog*.log`), as a
	 * replacement container starts. Restarted with its old log, a worker "recovers" every
	 * execution it began and did not finish, parked ones included, and marks them `crashed`.
	 */
	async startWorker(w, { freshEventLog = false } = {}) {
		if (freshEventLog) {
			const dir = join(w.userFolder, '.n8n');
			for (const f of readdirSync(dir).filter((n) => n.startsWith('n8nEventLog')))
				rmSync(join(dir, f), { force: true });
		}
		if (w.child) w.logs.push(w.child.output);
		if (w.child) (w.timed ??= []).push(...w.child.timed);
		w.port = await freePort();
		const env = await this.processEnv(w.userFolder, {
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(w.port),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		});
		w.child = this.spawn(['worker', `--concurrency=${this.concurrency}`], env, w.userFolder);
		await waitForReady(w.child, `http://127.0.0.1:${w.port}`, 180_000);
		return w.child;
	}

	startWorkers(list = this.workers, options = {}) {
		return Promise.all(list.map((w) => this.startWorker(w, options)));
	}

	/** Everything worker `w` printed, over all its lives. */
	log(w) {
		return [...w.logs, w.child?.output ?? ''].join('\n');
	}

	/** Execution id → names of the workers (one entry per start) that ran it. */
	whoRan() {
		const ran = new Map();
		for (const w of this.workers)
			for (const id of startedExecutions(this.log(w)))
				ran.set(id, [...(ran.get(id) ?? []), w.name]);
		return ran;
	}

	/** SIGKILL to the worker's process group (the worker and its task runner): a crashed container. */
	async kill(w) {
		const exited = new Promise((resolve) => w.child.once('exit', resolve));
		killTree(w.child, 'SIGKILL');
		await exited;
	}

	/** SIGTERM to the worker process alone (what `docker stop` does); resolves with { code, signal, ms }. */
	async terminate(w, timeoutMs = 120_000) {
		const t0 = Date.now();
		const exited = new Promise((resolve) =>
			w.child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - t0 })),
		);
		process.kill(w.child.pid, 'SIGTERM');
		let forced = false;
		const timer = setTimeout(() => {
			forced = true;
			killTree(w.child, 'SIGKILL');
		}, timeoutMs);
		const result = await exited;
		clearTimeout(timer);
		try {
			process.kill(-w.child.pid, 'SIGKILL'); // a task runner left behind in its group
		} catch {
			/* none */
		}
		check(!forced, `the worker did not exit within ${timeoutMs / 1000} s of SIGTERM`);
		return result;
	}

	/** Stops every process by pid: workers first, then main. */
	async stop() {
		await Promise.all(this.workers.map((w) => stopChild(w.child, 15_000)));
		await stopChild(this.main, 15_000);
	}

	/** Writes every process's output (all lives of each worker) into `dir`, for reading after the run. */
	saveLogs(dir) {
		rmSync(dir, { recursive: true, force: true });
		mkdirSync(dir, { recursive: true });
		writeFileSync(join(dir, 'main.log'), this.main?.timed.join('') ?? '');
		for (const w of this.workers)
			writeFileSync(
				join(dir, `${w.name}.log`),
				[...(w.timed ?? []), ...(w.child?.timed ?? [])].join(''),
			);
		return dir;
	}

	/** Resident memory (MB) of each process group now, from /proc: { main, 'worker-1', … }. */
	rss() {
		const out = {};
		for (const [name, child] of [
			['main', this.main],
			...this.workers.map((w) => [w.name, w.child]),
		])
			out[name] = groupRssMb(child?.pid);
		return out;
	}
}

/** Sum of VmRSS of every process in process group `pgid` (the process and e.g. its task runner). */
export function groupRssMb(pgid) {
	if (!pgid) return 0;
	let kb = 0;
	for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
		try {
			const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) !== pgid) continue;
			const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
			kb += rss ? Number(rss[1]) : 0;
		} catch {
			/* gone */
		}
	}
	return Math.round(kb / 1024);
}
