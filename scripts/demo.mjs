// npm run demo: builds the package, runs examples/inpaint-dog-to-lion.workflow.json through n8n's
// own engine (n8n-core's WorkflowExecute, the package loaded by n8n-core's package loader)
// against the local API simulator, prints the output item and saves the result image under out/.
//
// npm run demo -- --live: the same workflow against the real API, with the key in PIXAZO_API_KEY
// and the base URLs in PIXAZO_SUBMIT_BASE_URL / PIXAZO_POLL_BASE_URL (else the credential's
// defaults). One job: the example's prompt and public image URLs, 512x512, 20 steps. Without a key
// it says so in one line and exits 2 before building or sending anything. The key is never printed.
// Options: --no-build (use dist/ as it is), --out DIR (where images go; default out/).
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { liveKey, liveSettings, NO_KEY_REASON, ROOT as root } from '../test/live/settings.mjs';

const line = (text = '') => process.stdout.write(`${text}\n`);
/** A path as the user can find it: relative inside the repository, else absolute. */
const shown = (/** @type {string} */ file) =>
	relative(root, file).startsWith('..') ? file : relative(root, file);

const { values: args } = parseArgs({
	options: {
		live: { type: 'boolean' },
		'no-build': { type: 'boolean' },
		out: { type: 'string' },
	},
});
if (args.live && !liveKey()) {
	process.stderr.write(
		`npm run demo -- --live: ${NO_KEY_REASON}. Set it to your Pixazo subscription key.\n`,
	);
	process.exit(2);
}
if (!args['no-build']) {
	const build = spawnSync('npm', ['run', 'build'], {
		cwd: root,
		stdio: 'inherit',
		shell: process.platform === 'win32',
	});
	if (build.status !== 0) process.exit(build.status ?? 1);
}

// Loaded after the key check and the build: n8n-core, the harness and the built credential.
const { startSimulator } = await import('../simulator/server.mjs');
const { disposeHarness, loadPackage, n8nCoreVersion, runWorkflow } = await import(
	'../test/harness/engine.mjs'
);
const { simulatorCredential } = await import('../test/harness/inpaint-workflow.mjs');

const workflowFile = join(root, 'examples', 'inpaint-dog-to-lion.workflow.json');
const nodeName = 'Inpaint dog to lion';
const outDir = resolve(root, args.out ?? 'out');

const sim = args.live ? null : await startSimulator({ jobMs: 1500 });
let exitCode = 1;
try {
	/** @type {{ subscriptionKey: string, submitBaseUrl: string, pollBaseUrl: string }} */
	let credential;
	if (sim) {
		line(`API simulator on ${sim.url} (submit: ${sim.submitBaseUrl}, poll: ${sim.pollBaseUrl})`);
		credential = simulatorCredential(sim);
	} else {
		const live = liveSettings();
		line(
			`Live: one job to ${live.submitBaseUrl}/getImage, checked at ${live.pollBaseUrl}/getGenerationResults (key from PIXAZO_API_KEY, not printed).`,
		);
		line(
			"It sends the example's prompt and the public URLs of its image and mask, 512x512, 20 steps; the vendor lists this API as free.",
		);
		credential = {
			subscriptionKey: /** @type {string} */ (live.key),
			submitBaseUrl: live.submitBaseUrl,
			pollBaseUrl: live.pollBaseUrl,
		};
	}
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
		credentials: { pixazoApi: credential },
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
		await mkdir(outDir, { recursive: true });
		for (const [key, binary] of Object.entries(item.binary ?? {})) {
			const bytes = await run.readBinary(item, key);
			const extension = binary.fileExtension ?? (extname(binary.fileName ?? '').slice(1) || 'png');
			const name = `dog-to-lion${sim ? '' : '-live'}${key === 'data' ? '' : `-${key}`}.${extension}`;
			const file = join(outDir, name);
			await writeFile(file, bytes);
			line(
				`\nBinary "${key}": ${binary.fileName}, ${binary.mimeType}, ${bytes.length} bytes → saved to ${shown(file)}`,
			);
		}
		if (sim) {
			const input = await fetch(sim.sampleImageUrl).then((r) => r.arrayBuffer());
			await writeFile(join(outDir, 'dog.png'), Buffer.from(input));
			line(`Input image saved to ${shown(join(outDir, 'dog.png'))} for comparison.`);
			const stats = sim.stats();
			line(
				`Simulator saw ${stats.requests.submit} submit, ${stats.requests.poll} status checks, ${stats.requests.results} image download(s).`,
			);
		}
		exitCode = 0;
	}
} finally {
	await sim?.close();
	await disposeHarness();
}
process.exit(exitCode);
