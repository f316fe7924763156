// Captures every line n8n logs (the DI Logger of @n8n/backend-common and n8n-workflow's
// LoggerProxy) instead of printing it, and attributes each line to the workflow run that produced
// it (AsyncLocalStorage), so concurrent runs each get their own `logs`.

import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * @typedef {'error' | 'warn' | 'info' | 'debug'} LogLevel
 * @typedef {{ seq: number, time: number, level: LogLevel, message: string, meta: unknown, scopes?: string[], runId?: string, line: string }} LogEntry
 * @typedef {{ runId: string }} LogContext
 */

const LEVELS = /** @type {const} */ (['error', 'warn', 'info', 'debug']);

/**
 * JSON.stringify that keeps what plain JSON drops: Error objects (message, stack, cause and own
 * properties), Buffers (as a short tag, not their bytes), bigint, and circular references.
 * @param {unknown} value
 * @returns {string}
 */
export function stringifyMeta(value) {
	const seen = new WeakSet();
	/** @param {unknown} v @param {number} depth @returns {unknown} */
	const toPlain = (v, depth) => {
		if (typeof v === 'bigint') return `${v}n`;
		if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
		if (typeof v === 'symbol') return v.toString();
		if (v === null || typeof v !== 'object') return v;
		if (seen.has(v)) return '[Circular]';
		if (depth > 12) return '[Depth]';
		seen.add(v);
		try {
			if (Buffer.isBuffer(v)) return `[Buffer ${v.length} bytes]`;
			if (v instanceof Date) return v.toISOString();
			if (v instanceof Error) {
				/** @type {Record<string, unknown>} */
				const out = { name: v.name, message: v.message, stack: v.stack };
				for (const key of Object.keys(v))
					out[key] = toPlain(/** @type {any} */ (v)[key], depth + 1);
				if (v.cause !== undefined) out.cause = toPlain(v.cause, depth + 1);
				return out;
			}
			if (Array.isArray(v)) return v.map((x) => toPlain(x, depth + 1));
			if (v instanceof Map) return { '[Map]': toPlain([...v.entries()], depth + 1) };
			if (v instanceof Set) return { '[Set]': toPlain([...v.values()], depth + 1) };
			/** @type {Record<string, unknown>} */
			const out = {};
			for (const key of Object.keys(v)) {
				let inner;
				try {
					inner = /** @type {any} */ (v)[key];
				} catch (error) {
					inner = `[Getter threw: ${/** @type {Error} */ (error).message}]`;
				}
				out[key] = toPlain(inner, depth + 1);
			}
			return out;
		} finally {
			seen.delete(v);
		}
	};
	try {
		return JSON.stringify(toPlain(value, 0)) ?? '';
	} catch (error) {
		return `[unserialisable metadata: ${/** @type {Error} */ (error).message}]`;
	}
}

/**
 * @param {{ Container: any, Logger: any, LoggerProxy: any }} n8n
 */
export function installLogCapture({ Container, Logger, LoggerProxy }) {
	/** @type {AsyncLocalStorage<LogContext>} */
	const storage = new AsyncLocalStorage();
	/** @type {LogEntry[]} every line since the process started (bounded) */
	const all = [];
	const MAX_ALL = 10_000;
	/** @type {Set<(entry: LogEntry) => void>} */
	const listeners = new Set();
	let seq = 0;
	const echo = process.env.N8N_HARNESS_ECHO_LOGS === 'true';

	/**
	 * @param {LogLevel} level
	 * @param {unknown} message
	 * @param {unknown} meta
	 * @param {string[] | undefined} scopes
	 */
	const record = (level, message, meta, scopes) => {
		const ctx = storage.getStore();
		const text = typeof message === 'string' ? message : stringifyMeta(message);
		const metaText = meta === undefined ? '' : stringifyMeta(meta);
		const scopeText = scopes?.length ? ` [${scopes.join(',')}]` : '';
		/** @type {LogEntry} */
		const entry = {
			seq: ++seq,
			time: Date.now(),
			level,
			message: text,
			meta,
			scopes,
			runId: ctx?.runId,
			line: `${level}${scopeText} ${text}${metaText && metaText !== '{}' ? ` ${metaText}` : ''}`,
		};
		all.push(entry);
		if (all.length > MAX_ALL) all.splice(0, all.length - MAX_ALL);
		for (const listener of listeners) listener(entry);
		if (echo) process.stderr.write(`[n8n] ${entry.line}\n`);
	};

	/**
	 * A stand-in for @n8n/backend-common's Logger (and n8n-workflow's ILogger): same methods,
	 * every level kept (the real one drops levels below N8N_LOG_LEVEL, default `info`).
	 * @param {string[] | undefined} scopes
	 */
	const makeLogger = (scopes) => {
		const logger = Object.create(Logger?.prototype ?? Object.prototype);
		for (const level of LEVELS) {
			Object.defineProperty(logger, level, {
				value: (/** @type {unknown} */ message, /** @type {unknown} */ meta) =>
					record(level, message, meta, scopes),
				enumerable: true,
			});
		}
		Object.defineProperties(logger, {
			scoped: {
				value: (/** @type {string | string[]} */ more) =>
					makeLogger([...(scopes ?? []), ...(Array.isArray(more) ? more : [more])]),
			},
			log: {
				value: (
					/** @type {string} */ level,
					/** @type {unknown} */ message,
					/** @type {unknown} */ meta,
				) =>
					record(
						/** @type {LogLevel} */ (LEVELS.includes(/** @type {any} */ (level)) ? level : 'info'),
						message,
						meta,
						scopes,
					),
			},
			level: { value: 'debug' },
			isScopingEnabled: { value: false },
			setInternalLogger: { value: () => {} },
		});
		return logger;
	};

	const rootLogger = makeLogger(undefined);
	Container.set(Logger, rootLogger);
	LoggerProxy.init(rootLogger);

	return {
		logger: rootLogger,
		/**
		 * Runs `fn` with log lines attributed to `runId`.
		 * @template T
		 * @param {string} runId
		 * @param {() => T} fn
		 * @returns {T}
		 */
		runWith(runId, fn) {
			return storage.run({ runId }, fn);
		},
		/**
		 * Starts collecting the lines of one run: lines attributed to it, and lines attributed to no
		 * run at all that are logged while it is active (lines of other concurrent runs are left out).
		 * @param {string} runId
		 */
		collect(runId) {
			/** @type {LogEntry[]} */
			const entries = [];
			/** @param {LogEntry} entry */
			const listener = (entry) => {
				if (entry.runId === undefined || entry.runId === runId) entries.push(entry);
			};
			listeners.add(listener);
			return {
				entries,
				stop() {
					listeners.delete(listener);
				},
			};
		},
		/** Every line captured so far in this process (bounded to the last 10,000). */
		all,
		/** Re-installs the capture (if something replaced LoggerProxy's logger). */
		reinstall() {
			Container.set(Logger, rootLogger);
			LoggerProxy.init(rootLogger);
		},
	};
}
