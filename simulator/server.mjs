// Local HTTP simulator of the Pixazo Stable Diffusion inpainting API. See README.md.
import { createServer } from 'node:http';
import { checkConfig, splitOptions } from './config.mjs';
import { handleControl } from './control.mjs';
import { FAULT_TYPES, FaultQueue } from './faults.mjs';
import { JobStore } from './jobs.mjs';
import { createQuota } from './quota.mjs';
import { createKeyedRateLimiter } from './ratelimit.mjs';
import { createSampleImages } from './png.mjs';
import { ResultStore } from './results.mjs';
import { classify, handle } from './routes.mjs';

const HOST = '127.0.0.1';

/**
 * @typedef {{ mode: 'sync' | 'async', jobMs: number, resultCount: number,
 *   outcome: 'succeeded' | 'failed' | 'error' | 'cancelled' | 'canceled', failureReason: string,
 *   statusWhileRunning: string[], resultNoise: boolean, resultDownloadDelayMs: number,
 *   submitDelayMs: number, pollDelayMs: number,
 *   rateLimit: import('./ratelimit.mjs').RateLimit | null, quota: import('./quota.mjs').Quota | null,
 *   randomFaults: { rate: number, types: (FaultType | FaultSpec)[], seed?: number, delayMs?: number } | null,
 *   jobJitter: number, jitterSeed: number, jobPolls: number | null, renameFields: Record<string, string> | null
 * }} SimConfig
 * @typedef {'status' | 'html' | 'malformed' | 'empty' | 'drop' | 'dropAfterAccept' | 'delay' | 'hang'
 *   | 'outage' | 'stall' | 'redirect' | 'body'} FaultType
 * @typedef {{ type: FaultType, endpoint?: 'submit' | 'poll' | 'results' | 'any', status?: number, body?: unknown,
 *   headers?: Record<string, string>, ms?: number, times?: number, location?: string, bytes?: number,
 *   contentType?: string, prefix?: string, size?: number | 'endless', bytesPerChunk?: number,
 *   eachJob?: number }} FaultSpec
 * @typedef {Partial<SimConfig> & { port?: number, key?: string, keys?: string[], forbiddenKey?: string,
 *   logLimit?: number, log?: boolean }} SimOptions
 * @typedef {{ jobSetId: string, prompt: string, createdAt: number, finishAt: number,
 *   firstSucceededPollAt: number | null, polls: number, firstPollAt: number | null, pollTimes: number[],
 *   pollAttempts: number, firstPollAttemptAt: number | null, mode: 'sync' | 'async', outcome: string,
 *   results: number, durationMs: number | null }} JobStats
 * @typedef {'submit' | 'poll' | 'results' | 'other'} Endpoint
 * @typedef {{ requests: Record<Endpoint, number>, answered: Record<string, number>,
 *   answeredByEndpoint: Record<Endpoint, Record<string, number>>,
 *   answeredByKey: Record<string, Record<string, number>>, jobsCreated: number, duplicateSubmits: number,
 *   faultsInjected: Record<FaultType, number>, jobs: JobStats[] }} SimStats
 * @typedef {{ time: number, method: string | undefined, path: string, url: string | undefined,
 *   endpoint: Endpoint, keyLabel: string | null, headers: import('node:http').IncomingHttpHeaders,
 *   body: unknown, status: number | null, fault: FaultType | null, doneAt: number | null }} LogEntry
 * @typedef {{ url: string, port: number, submitBaseUrl: string, pollBaseUrl: string, key: string,
 *   useKey: (key: string) => void, keys: string[], forbiddenKey: string, sampleImageUrl: string, sampleMaskUrl: string,
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
 *   rateCheck: (keyLabel: string, e: 'submit'|'poll') => { retryAfter: number | null } | null,
 *   quotaCheck: (keyLabel: string) => { retryAfter: number, body: Record<string, unknown> } | null,
 *   api: Simulator }} SimContext
 */

/** @param {string[]} keyLabels */
function newCounters(keyLabels) {
	return {
		requests: { submit: 0, poll: 0, results: 0, other: 0 },
		/** @type {Record<string, number>} */
		answered: {},
		/** @type {Record<Endpoint, Record<string, number>>} */
		answeredByEndpoint: { submit: {}, poll: {}, results: {}, other: {} },
		/** @type {Record<string, Record<string, number>>} submit and poll answers by key label */
		answeredByKey: Object.fromEntries([...keyLabels, 'other'].map((l) => [l, {}])),
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
	let limiter = createKeyedRateLimiter(startConfig.rateLimit);
	let quota = createQuota(startConfig.quota);
	// Keys are known by their labels only (key0 = key, key1 = keys[0], …): never printed or counted by value.
	const accepted = [start.key, ...start.keys];
	const keyLabels = accepted.map((_, i) => `key${i}`);
	const labelOf = new Map(accepted.map((key, i) => [key, keyLabels[i]]));
	/** @param {unknown} key */
	const keyLabel = (key) => (typeof key === 'string' ? labelOf.get(key) : undefined) ?? 'other';
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
		counters: newCounters(keyLabels),
		rateCheck: (label, endpoint) => limiter.check(label, endpoint),
		quotaCheck: (label) => quota.check(label),
		api: /** @type {any} */ (null),
	};
	ctx.faults.setRandom(ctx.config.randomFaults);
	ctx.jobs.seedJitter(ctx.config.jitterSeed);

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
			keyLabel:
				endpoint === 'submit' || endpoint === 'poll'
					? keyLabel(req.headers['ocp-apim-subscription-key'])
					: null,
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
			const { answered, answeredByEndpoint, answeredByKey } = ctx.counters;
			for (const counts of [
				answered,
				answeredByEndpoint[endpoint],
				entry.keyLabel ? answeredByKey[entry.keyLabel] : null,
			]) {
				if (counts) counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
			}
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
				const key = entry.keyLabel ? ` ${entry.keyLabel}` : '';
				process.stdout.write(
					`${new Date(t0).toISOString()} ${req.method} ${path} -> ${status} ${Date.now() - t0}ms${key}${fault}\n`,
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
		get key() {
			return ctx.start.key;
		},
		useKey(key) {
			if (typeof key !== 'string' || key === '')
				throw new TypeError('useKey: key must be a string');
			if (key !== ctx.start.key && (labelOf.has(key) || key === start.forbiddenKey))
				throw new TypeError('useKey: key must differ from the other keys and the forbidden key');
			labelOf.delete(ctx.start.key);
			ctx.start.key = key;
			labelOf.set(key, 'key0');
		},
		keys: [...start.keys],
		forbiddenKey: start.forbiddenKey,
		sampleImageUrl: `${base()}/assets/dog.png`,
		sampleMaskUrl: `${base()}/assets/dog-mask.png`,
		configure(partial) {
			const checked = checkConfig(partial);
			Object.assign(ctx.config, checked);
			if ('randomFaults' in checked) ctx.faults.setRandom(ctx.config.randomFaults);
			if ('rateLimit' in checked) limiter = createKeyedRateLimiter(ctx.config.rateLimit);
			if ('quota' in checked) quota = createQuota(ctx.config.quota);
			if ('jitterSeed' in checked) ctx.jobs.seedJitter(ctx.config.jitterSeed);
			return structuredClone(ctx.config);
		},
		config: () => structuredClone(ctx.config),
		enqueueFaults: (faults) => ctx.faults.enqueue(/** @type {unknown[]} */ (faults)),
		reset() {
			ctx.config = structuredClone(startConfig);
			ctx.faults.setRandom(ctx.config.randomFaults);
			ctx.faults.clear();
			ctx.jobs.clear();
			ctx.jobs.seedJitter(ctx.config.jitterSeed);
			ctx.results.clear();
			ctx.counters = newCounters(keyLabels);
			log = [];
			limiter = createKeyedRateLimiter(ctx.config.rateLimit);
			quota = createQuota(ctx.config.quota);
			listeners.clear();
		},
		stats: () => ({
			requests: { ...ctx.counters.requests },
			answered: { ...ctx.counters.answered },
			answeredByEndpoint: structuredClone(ctx.counters.answeredByEndpoint),
			answeredByKey: structuredClone(ctx.counters.answeredByKey),
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
