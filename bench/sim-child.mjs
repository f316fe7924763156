// The simulator in its own process, so that benchmarks measure the node's side alone (CPU and
// memory), as with a remote API. Driven over IPC:
// { id, op: 'configure'|'enqueueFaults'|'reset'|'stats'|'requests'|'close', arg }.
import { startSimulator } from '../simulator/server.mjs';

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'));
process.send({
	ready: true,
	url: sim.url,
	key: sim.key,
	keys: sim.keys,
	submitBaseUrl: sim.submitBaseUrl,
	pollBaseUrl: sim.pollBaseUrl,
	sampleImageUrl: sim.sampleImageUrl,
	sampleMaskUrl: sim.sampleMaskUrl,
});
process.on('message', async ({ id, op, arg }) => {
	let result = null;
	try {
		if (op === 'configure') result = sim.configure(arg);
		else if (op === 'enqueueFaults') result = sim.enqueueFaults(arg);
		else if (op === 'requests') result = sim.requests();
		else if (op === 'reset') sim.reset();
		else if (op === 'stats') result = sim.stats();
		else if (op === 'close') {
			await sim.close();
			process.send({ id, result: null });
			process.exit(0);
		}
	} catch (err) {
		process.send({ id, error: String(err?.message ?? err) }); // an invalid config or fault
		return;
	}
	process.send({ id, result });
});
