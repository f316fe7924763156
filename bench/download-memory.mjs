// Peak RSS growth of a process whose items download result images into binary data. Runs in its
// own process (the simulator in another one), so the figure is the node's and n8n's memory alone.
// Prints one JSON line.
//   node --expose-gc bench/download-memory.mjs images <items> <binary mode>
//   node --expose-gc bench/download-memory.mjs <name> <bytes | endless> <binary mode> <Max Image Size MB>
import { disposeHarness, loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
import { root } from './lib.mjs';
import { forkSimulator } from './simProcess.mjs';
import { items, uniquePrompt } from './workflow.mjs';

const [what, sizeOrCount, binaryMode, maxMb] = process.argv.slice(2);
const images = what === 'images';
const sim = await forkSimulator({ mode: 'sync', resultNoise: true });
const pkg = await loadPackage(root);
const run = (n, options = {}) =>
	runWorkflow({
		pkg,
		workflow: inpaintWorkflow({
			operation: 'submit',
			prompt: uniquePrompt,
			imageUrl: sim.sampleImageUrl,
			maskUrl: sim.sampleMaskUrl,
			options: { downloadImages: true, ...options },
		}),
		credentials: { pixazoApi: simulatorCredential(sim) },
		input: items(n, `m${n}-${Math.random()}`),
		binaryMode,
	});

await run(5); // warm-up: JIT, n8n's lazy modules, binary data folders
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
if (!images) {
	const size = sizeOrCount === 'endless' ? 'endless' : Number(sizeOrCount);
	await sim.enqueueFaults({ endpoint: 'results', type: 'body', size, prefix: '89504e470d0a1a0a' });
}
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
	peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const started = performance.now();
const result = await run(images ? Number(sizeOrCount) : 1, {
	...(images ? {} : { maxImageSizeMb: Number(maxMb) }),
});
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const out = result.output('Inpaint') ?? [];
const bytes = out.reduce((sum, item) => sum + (item.binary?.data?.bytes ?? 0), 0);
const error = result.error?.message;
process.stdout.write(
	`${JSON.stringify({
		status: result.status,
		outcome: error ? `failed: ${error}` : `stored ${(bytes / 2 ** 20).toFixed(1)} MB`,
		items: out.length,
		withBinary: out.filter((i) => i.binary?.data).length,
		totalMb: bytes / 1e6,
		avgImageMb: bytes / 1e6 / Math.max(1, out.length),
		baselineMb: baseline / 1e6,
		peakMb: peak / 1e6,
		growthMb: (peak - baseline) / 1e6,
		ms,
	})}\n`,
);
await sim.close();
await disposeHarness();
process.exit(0);
