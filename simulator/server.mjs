// Local HTTP simulator of the Pixazo Stable Diffusion inpainting API. See README.md.
import { createServer } from 'node:http';
import { checkConfig, splitOptions } from './config.mjs';
import { handleControl } from './control.mjs';
import { FAULT_TYPES, FaultQueue } from './faults.mjs';
import { JobStore } from './jobs.mjs';
import { createRateLimiter } from './ratelimit.mjs';
import { createSampleImages } from './png.mjs';
import { ResultStore } from './results.mjs';
import { classify, handle } from './routes.mjs';

const HOST = '127.0.0.1';

/**
 * @typedef {{ mode: 'sync' | 'async', jobMs: number, resultCount: number,
 *   outcome: 'succeeded' | 'failed' | 'error' | 'cancelled' | 'canceled', failureReason: string,
 *   statusWhileRunning: string[], resultNoise: boolean, resultDownloadDelayMs: number,
 *   submitDelayMs: number, pollDelayMs: number,
 *   rateLimit: import('./ratelimit.mjs').RateLimit | null,
 *   randomFaults: { rate: number, types: (FaultType | FaultSpec)[], seed?: number, delayMs?: number } | null
 * }} SimConfig
 * @typedef {'status' | 'html' | 'malformed' | 'empty' | 'drop' | 'dropAfterAccept' | 'delay' | 'hang'
 *   | 'outage' | 'stall' | 'redirect'} FaultType
 * @typedef {{ type: FaultType, endpoint?: 'submit' | 'poll' | 'results' | 'any', status?: number, body?: unknown,
 *   headers?: Record<string, string>, ms?: number, times?: number, location?: string, bytes?: number,
 *   eachJob?: number }} FaultSpec
 * @typedef {Partial<SimConfig> & { port?: number, key?: string, forbiddenKey?: string,
 *   logLimit?: number, log?: boolean }} SimOptions
 * @typedef {{ jobSetId: string, prompt: string, createdAt: number, finishAt: number,
 *   firstSucceededPollAt: number | null, polls: number, firstPollAt: number | null, pollTimes: number[],
 *   pollAttempts: number, firstPollAttemptAt: number | null, mode: 'sync' | 'async', outcome: string,
 *   results: number }} JobStats
 * @typedef {'submit' | 'poll' | 'results' | 'other'} Endpoint
 * @typedef {{ requests: Record<Endpoint, number>, answered: Record<string, number>,
 *   answeredByEndpoint: Record<Endpoint, Record<string, number>>, jobsCreated: number, duplicateSubmits: number,
 *   faultsInjected: Record<FaultType, number>, jobs: JobStats[] }} SimStats
 * @typedef {{ time: number, method: string | undefined, path: string, url: string | undefined,
 *   endpoint: Endpoint, headers: import('node:http').IncomingHttpHeaders,
 *   body: unknown, status: number | null, fault: FaultType | null, doneAt: number | null }} LogEntry
 * @typedef {{ url: string, port: number, submitBaseUrl: string, pollBaseUrl: string, key: string,
 *   forbiddenKey: string, sampleImageUrl: string, sampleMaskUrl: string,
 *   configure: (partial: Partial<SimConfig>) => SimConfig, config: () => SimConfig,
 *   enqueueFaults: (faults: FaultSpec | FaultSpec[]) => number, reset: () => void,
 *   stats: () => SimStats, requests: () => LogEntry[], onRequest: (listener: (entry: LogEntry) => void) => () => void,
 *   close: () => Promise<void> }} Simulator
 */

/**
 * Shared state handed to the route modules.
 * @typedef {{ start: ReturnType<typeof splitOptions>['start'], config: SimConfig,
 *   faults: FaultQueue, jobs: JobStore, results: ResultStore, samples: ReturnType<typeof createSampleImages>,
 *   signal: AbortSignal, counters: ReturnType<typeof newCounters>,
 *   rateCheck: (e: 'submit'|'poll') => { retryAfter: number | null } | null,
 *   api: Simulator }} SimContext
 */

function newCounters() {
	return {
		requests: { submit: 0, poll: 0, results: 0, other: 0 },
		/** @type {Record<string, number>} */
		answered: {},
		/** @type {Record<Endpoint, Record<string, number>>} */
		answeredByEndpoint: { submit: {}, poll: {}, results: {}, other: {} },
		/** @type {Record<FaultType, number>} */
		faultsInjected: /** @type {any} */ (Object.fromEntries(FAULT_TYPES.map((t) => [t, 0]))),
	};
}

/**
 * Start a simulator on 127.0.0.1.
 * @param {SimOptions} [options] port, key, forbiddenKey, logLimit, log, and any config key
 * @returns {Promise<Simulator>}
 */
export async function startSimulator(options = {}) {
	const { start, config: startConfig } = splitOptions(options);
	const aborter = new AbortController();
	let port = 0;
	const base = () => `http://${HOST}:${port}`;
	const results = new ResultStore({ port: () => port });
	/** @type {LogEntry[]} */
	let log = [];
	let limiter = createRateLimiter(startConfig.rateLimit);
	/** @type {Set<(entry: LogEntry) => void>} */
	const listeners = new Set();

	/** @type {SimContext} */
	const ctx = {
		start,
		config: structuredClone(startConfig),
		faults: new FaultQueue(),
		jobs: new JobStore({ results, baseUrl: base }),
		results,
		samples: createSampleImages(),
		signal: aborter.signal,
		counters: newCounters(),
		rateCheck: (endpoint) => limiter.check(endpoint),
		api: /** @type {any} */ (null),
	};
	ctx.faults.setRandom(ctx.config.randomFaults);

	const server = createServer((req, res) => {
		const path = (req.url ?? '/').split('?')[0];
		if (path.startsWith('/__control/')) {
			void handleControl(ctx, req, res, path);
			return;
		}
		const endpoint = classify(req, path);
		ctx.counters.requests[endpoint]++;
		const t0 = Date.now();
		/** @type {LogEntry} */
		const entry = {
			time: t0,
			method: req.method,
			path,
			url: req.url,
			endpoint,
			headers: { ...req.headers },
			body: undefined,
			status: null,
			fault: null,
			doneAt: null,
		};
		log.push(entry);
		if (log.length > start.logLimit) log.splice(0, log.length - start.logLimit);
		res.on('finish', () => {
			entry.status = res.statusCode;
			const { answered, answeredByEndpoint } = ctx.counters;
			answered[res.statusCode] = (answered[res.statusCode] ?? 0) + 1;
			const mine = answeredByEndpoint[endpoint];
			mine[res.statusCode] = (mine[res.statusCode] ?? 0) + 1;
		});
		res.on('close', () => {
			entry.doneAt = Date.now();
		});
		for (const listener of listeners) {
			try {
				listener({ ...entry });
			} catch (err) {
				process.stderr.write(`simulator: an onRequest listener threw: ${String(err)}\n`);
			}
		}
		if (start.log) {
			res.on('close', () => {
				const status = res.writableFinished ? res.statusCode : '-';
				const fault = entry.fault ? ` [fault ${entry.fault}]` : '';
				process.stdout.write(
					`${new Date(t0).toISOString()} ${req.method} ${path} -> ${status} ${Date.now() - t0}ms${fault}\n`,
				);
			});
		}
		void handle(ctx, req, res, path, endpoint, entry);
	});
	server.keepAliveTimeout = 65_000;
	server.headersTimeout = 66_000;

	/** @type {Set<import('node:net').Socket>} */
	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(start.port, HOST, () => {
			server.off('error', reject);
			resolve(undefined);
		});
	});
	port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

	/** @type {Promise<void> | null} */
	let closing = null;
	/** @type {Simulator} */
	const sim = {
		url: base(),
		port,
		submitBaseUrl: `${base()}/submit`,
		pollBaseUrl: `${base()}/poll`,
		key: start.key,
		forbiddenKey: start.forbiddenKey,
		sampleImageUrl: `${base()}/assets/dog.png`,
		sampleMaskUrl: `${base()}/assets/dog-mask.png`,
		configure(partial) {
			const checked = checkConfig(partial);
			Object.assign(ctx.config, checked);
			if ('randomFaults' in checked) ctx.faults.setRandom(ctx.config.randomFaults);
			if ('rateLimit' in checked) limiter = createRateLimiter(ctx.config.rateLimit);
			return structuredClone(ctx.config);
		},
		config: () => structuredClone(ctx.config),
		enqueueFaults: (faults) => ctx.faults.enqueue(/** @type {unknown[]} */ (faults)),
		reset() {
			ctx.config = structuredClone(startConfig);
			ctx.faults.setRandom(ctx.config.randomFaults);
			ctx.faults.clear();
			ctx.jobs.clear();
			ctx.results.clear();
			ctx.counters = newCounters();
			log = [];
			limiter = createRateLimiter(ctx.config.rateLimit);
			listeners.clear();
		},
		stats: () => ({
			requests: { ...ctx.counters.requests },
			answered: { ...ctx.counters.answered },
			answeredByEndpoint: structuredClone(ctx.counters.answeredByEndpoint),
			jobsCreated: ctx.jobs.created,
			duplicateSubmits: ctx.jobs.duplicates,
			faultsInjected: { ...ctx.counters.faultsInjected },
			jobs: ctx.jobs.statsJobs(),
		}),
		requests: () => log.map((e) => ({ ...e })),
		onRequest(listener) {
			listeners.add(listener);
			return () => void listeners.delete(listener);
		},
		close() {
			closing ??= new Promise((resolve) => {
				aborter.abort();
				server.close(() => resolve());
				for (const socket of sockets) socket.destroy();
			});
			return closing;
		},
	};
	ctx.api = sim;
	return sim;
}
