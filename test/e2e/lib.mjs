// Shared helpers of the end-to-end tests: paths, the two n8n lines, step timing, child processes
// (always started in their own process group and killed by pid, also on failure), free ports.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(E2E_DIR, '..', '..');
/** Everything downloaded or generated; `E2E_CACHE=<folder>` puts it elsewhere (e.g. one per worktree). */
export const CACHE = process.env.E2E_CACHE || join(E2E_DIR, '.cache');
export const PACKAGE_NAME = 'n8n-nodes-pixazo-inpaint';
export const NODE_TYPE = `${PACKAGE_NAME}.inpaint`;
export const ENCRYPTION_KEY = 'pixazo-e2e-encryption-key-0123456789';

/** The two n8n lines users run. `node24` = the npm package that brings the Node.js n8n 2.x needs. */
export const LINES = {
	1: {
		name: 'n8n 1.x',
		version: '1.123.81',
		// n8n-nodes-base fetches xlsx from a host that cannot be reached: pin the registry's copy.
		overrides: { xlsx: '0.18.5' },
		// Its default expression engine needs isolated-vm, which Node 20 cannot load.
		env: { N8N_EXPRESSION_ENGINE: 'legacy' },
		node24: false,
	},
	2: { name: 'n8n 2.x', version: '2.41.1', overrides: {}, env: {}, node24: true },
};
export const NODE24_VERSION = '24.21.0';

const started = Date.now();
/** @type {{ label: string, ms: number, ok: boolean }[]} */
export const timings = [];

export const say = (text) =>
	process.stdout.write(
		`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}\n`,
	);
export const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs `fn` as a named step: prints it, times it, records it for the summary; rethrows failures. */
export async function step(label, fn) {
	const t0 = Date.now();
	say(`▶ ${label}`);
	try {
		const result = await fn();
		const ms = Date.now() - t0;
		timings.push({ label, ms, ok: true });
		say(`✔ ${label} (${seconds(ms)})`);
		return result;
	} catch (error) {
		const ms = Date.now() - t0;
		timings.push({ label, ms, ok: false });
		say(`✘ ${label} (${seconds(ms)}): ${error?.message ?? error}`);
		throw error;
	}
}

export class AssertionError extends Error {
	name = 'AssertionError';
}
/** Throws an AssertionError with `message` (and the value, shortened) unless `condition`. */
export function check(condition, message, detail) {
	if (condition) return;
	const extra =
		detail === undefined
			? ''
			: `\n  got: ${String(typeof detail === 'string' ? detail : JSON.stringify(detail)).slice(0, 2000)}`;
	throw new AssertionError(`${message}${extra}`);
}

const children = new Set();

/** Kills a child's whole process group by its pid (children are started detached). */
export function killTree(child, signal = 'SIGTERM') {
	if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			process.kill(child.pid, signal);
		} catch {
			/* already gone */
		}
	}
}

/** Stops a child: SIGTERM to its group, SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(child, graceMs = 10_000) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return;
	const exited = new Promise((resolve) => child.once('exit', resolve));
	killTree(child, 'SIGTERM');
	const timer = setTimeout(() => killTree(child, 'SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
}

export function killAllChildren() {
	for (const child of children) killTree(child, 'SIGKILL');
}
process.on('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		killAllChildren();
		process.exit(130);
	});
}

/** Starts a command in its own process group, remembered so that it is killed on exit. */
export function start(command, args, { cwd = ROOT, env = process.env, onOutput } = {}) {
	const child = spawn(command, args, {
		cwd,
		env,
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	children.add(child);
	child.once('exit', () => children.delete(child));
	child.output = '';
	for (const stream of [child.stdout, child.stderr]) {
		stream.setEncoding('utf8');
		stream.on('data', (chunk) => {
			child.output += chunk;
			onOutput?.(chunk);
		});
	}
	return child;
}

/**
 * Runs a command to its end: { code, stdout, stderr, output, ms }. `timeoutMs` kills it (by pid)
 * and reports `timedOut`. Never rejects on a non-zero exit; callers check `code`.
 */
export function run(command, args, { timeoutMs = 600_000, ...options } = {}) {
	const t0 = Date.now();
	const child = start(command, args, options);
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', (c) => (stdout += c));
	child.stderr.on('data', (c) => (stderr += c));
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		killTree(child, 'SIGKILL');
	}, timeoutMs);
	return new Promise((resolve, reject) => {
		child.once('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			resolve({
				code,
				signal,
				stdout,
				stderr,
				output: child.output,
				ms: Date.now() - t0,
				timedOut,
			});
		});
	});
}

/** Like `run`, but throws (with the output's tail) unless the exit code is 0. */
export async function runOk(command, args, options) {
	const result = await run(command, args, options);
	if (result.code !== 0) {
		throw new Error(
			`${command} ${args.join(' ')} exited with ${result.code ?? result.signal}${result.timedOut ? ' (timed out)' : ''}:\n${result.output.slice(-4000)}`,
		);
	}
	return result;
}

/** A TCP port free on 127.0.0.1 right now (distinct from every port handed out before). */
const handedOut = new Set();
export async function freePort() {
	for (;;) {
		const port = await new Promise((resolve, reject) => {
			const server = createServer();
			server.once('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const { port: p } = server.address();
				server.close(() => resolve(p));
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch response as { status, json, text } (json undefined when the body is not JSON). */
export async function answerOf(response) {
	const text = await response.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: response.status, json, text };
}
