// Peak RSS growth while N items each download a ~1 MB result image into binary data, with
// n8n's filesystem binary mode. Runs in its own process (the simulator in another one), so
// the figure is the node's and n8n's memory alone. Prints one JSON line.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { disposeHarness, loadPackage, runWorkflow } from '../test/harness/engine.mjs';
import { inpaintWorkflow, simulatorCredential } from '../test/harness/inpaint-workflow.mjs';
import { forkSimulator } from './simProcess.mjs';
import { items, uniquePrompt } from './workflow.mjs';

const count = Number(process.argv[2] ?? 200);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sim = await forkSimulator({ mode: 'sync', resultNoise: true });
const pkg = await loadPackage(root);
const credentials = {
	pixazoApi: simulatorCredential(sim),
};
const run = (n) =>
	runWorkflow({
		pkg,
		workflow: inpaintWorkflow({
			operation: 'submit',
			prompt: uniquePrompt,
			imageUrl: sim.sampleImageUrl,
			maskUrl: sim.sampleMaskUrl,
			options: { downloadImages: true },
		}),
		credentials,
		input: items(n, `m${n}`),
		binaryMode: 'filesystem',
	});

await run(5); // warm-up: JIT, n8n's lazy modules, binary data folders
globalThis.gc?.();
await new Promise((r) => setTimeout(r, 200));
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
	peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const started = performance.now();
const result = await run(count);
const ms = performance.now() - started;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
const out = result.output('Inpaint');
const bytes = out.reduce((sum, item) => sum + (item.binary?.data?.bytes ?? 0), 0);
process.stdout.write(
	`${JSON.stringify({
		status: result.status,
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
