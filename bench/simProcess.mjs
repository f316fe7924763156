import { fork } from 'node:child_process';

/**
 * Forks `sim-child.mjs`: the simulator in a child process, driven over IPC (configure, reset,
 * stats, close). Resolves to its URLs and that client.
 */
export async function forkSimulator(options = {}) {
	const child = fork(new URL('./sim-child.mjs', import.meta.url), [JSON.stringify(options)], {
		stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
	});
	const info = await new Promise((resolve, reject) => {
		child.once('message', resolve);
		child.once('error', reject);
		child.once('exit', (code) => reject(new Error(`simulator process exited with ${code}`)));
	});
	let next = 0;
	const pending = new Map();
	child.on('message', (msg) => {
		if (msg.id !== undefined && pending.has(msg.id)) {
			const { resolve, reject } = pending.get(msg.id);
			pending.delete(msg.id);
			if (msg.error !== undefined) reject(new Error(msg.error));
			else resolve(msg.result);
		}
	});
	const call = (op, arg) =>
		new Promise((resolve, reject) => {
			const id = next++;
			pending.set(id, { resolve, reject });
			child.send({ id, op, arg });
		});
	return {
		...info,
		pid: child.pid,
		configure: (partial) => call('configure', partial),
		enqueueFaults: (faults) => call('enqueueFaults', faults),
		requests: () => call('requests'),
		reset: () => call('reset'),
		stats: () => call('stats'),
		close: () => call('close'),
	};
}
