// The simulator in its own process, so that benchmarks measure the node's side alone (CPU and
// memory), as with a remote API. Driven over IPC: { id, op: 'configure'|'reset'|'stats'|'close', arg }.
import { startSimulator } from '../simulator/server.mjs';

const sim = await startSimulator(JSON.parse(process.argv[2] ?? '{}'));
process.send({
	ready: true,
	url: sim.url,
	key: sim.key,
	submitBaseUrl: sim.submitBaseUrl,
	pollBaseUrl: sim.pollBaseUrl,
	sampleImageUrl: sim.sampleImageUrl,
	sampleMaskUrl: sim.sampleMaskUrl,
});
process.on('message', async ({ id, op, arg }) => {
	let result = null;
	if (op === 'configure') result = sim.configure(arg);
	else if (op === 'reset') sim.reset();
	else if (op === 'stats') result = sim.stats();
	else if (op === 'close') {
		await sim.close();
		process.send({ id, result: null });
		process.exit(0);
	}
	process.send({ id, result });
});
