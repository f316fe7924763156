// npm run demo: runs examples/inpaint-dog-to-lion.workflow.json through n8n's own engine
// (n8n-core's WorkflowExecute, the package loaded by n8n-core's package loader) against the
// local API simulator, prints the output item and saves the result image under out/.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startSimulator } from '../simulator/server.mjs';
import {
	disposeHarness,
	loadPackage,
	n8nCoreVersion,
	runWorkflow,
} from '../test/harness/engine.mjs';
import { simulatorCredential } from '../test/harness/inpaint-workflow.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const workflowFile = join(root, 'examples', 'inpaint-dog-to-lion.workflow.json');
const nodeName = 'Inpaint dog to lion';

const line = (text = '') => process.stdout.write(`${text}\n`);

const sim = await startSimulator({ jobMs: 1500 });
let exitCode = 1;
try {
	line(`API simulator on ${sim.url} (submit: ${sim.submitBaseUrl}, poll: ${sim.pollBaseUrl})`);
	const pkg = await loadPackage(root);
	line(
		`Loaded ${pkg.packageName} with n8n-core ${n8nCoreVersion}'s package loader in ${Math.round(pkg.loadMs)} ms`,
	);

	const workflow = JSON.parse(await readFile(workflowFile, 'utf8'));
	line(
		`Running "${workflow.name}" (${relative(root, workflowFile)}) through n8n's WorkflowExecute…`,
	);
	const run = await runWorkflow({
		pkg,
		workflow,
		credentials: {
			pixazoApi: simulatorCredential(sim),
		},
		binaryMode: 'filesystem',
	});
	line(`Execution ${run.status} in ${(run.durationMs / 1000).toFixed(1)} s`);
	if (run.status !== 'success') {
		line(`Error: ${run.error?.message ?? 'unknown'}`);
		if (run.error?.description) line(`       ${run.error.description}`);
	} else {
		const [item] = run.output(nodeName);
		const { raw, ...json } = item.json;
		line('\nOutput item (json):');
		line(JSON.stringify(json, null, 2));
		line(`raw (the API's last answer): ${JSON.stringify(raw)}`);
		await mkdir(join(root, 'out'), { recursive: true });
		for (const [key, binary] of Object.entries(item.binary ?? {})) {
			const bytes = await run.readBinary(item, key);
			const file = join(root, 'out', `dog-to-lion${key === 'data' ? '' : `-${key}`}.png`);
			await writeFile(file, bytes);
			line(
				`\nBinary "${key}": ${binary.fileName}, ${binary.mimeType}, ${bytes.length} bytes → saved to ${relative(root, file)}`,
			);
		}
		const input = await fetch(sim.sampleImageUrl).then((r) => r.arrayBuffer());
		await writeFile(join(root, 'out', 'dog.png'), Buffer.from(input));
		line(`Input image saved to out/dog.png for comparison.`);
		const stats = sim.stats();
		line(
			`Simulator saw ${stats.requests.submit} submit, ${stats.requests.poll} status checks, ${stats.requests.results} image download(s).`,
		);
		exitCode = 0;
	}
} finally {
	await sim.close();
	await disposeHarness();
}
process.exit(exitCode);
