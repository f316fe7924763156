// Figures measured in processes of their own: the time to load the node, and the memory a run
// of downloads takes (bench/download-memory.mjs).
import { execFileSync } from 'node:child_process';
import { figuresFromProcess, median, root, round, say } from '../lib.mjs';

/** loadTimeMs: `require` of the built node and credential, after n8n-workflow (loaded long before). */
export function loadTime(results) {
	const script = `require('n8n-workflow');const t=process.hrtime.bigint();require('./dist/nodes/Inpaint/Inpaint.node.js');require('./dist/credentials/PixazoApi.credentials.js');process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
	const samples = Array.from({ length: 7 }, () =>
		Number(execFileSync(process.execPath, ['-e', script], { cwd: root })),
	);
	results.loadTimeMs = round(median(samples));
	results.loadTimeSamplesMs = samples.map((s) => round(s));
	say(`load time: ${results.loadTimeMs} ms (median of 7 fresh processes)`);
}

const downloadCase = (args) => figuresFromProcess('download-memory.mjs', args);

/**
 * downloadRssMb: peak RSS growth while many items download ~1 MB images (filesystem binary mode);
 * downloadBoundRssMb: the same for a body that never ends and one of 200 MB, in both binary modes.
 */
export function downloadMemory(results, quick) {
	const n = quick ? 50 : 200;
	const images = downloadCase(['images', n, 'filesystem']);
	results.downloadRssMb = images.growthMb;
	results.download = { items: n, ...images };
	say(
		`download memory: +${results.downloadRssMb} MB RSS for ${n} items × ${images.avgImageMb} MB (filesystem binary mode)`,
	);
	results.downloadBound = {};
	for (const mode of ['filesystem', 'default']) {
		for (const [name, size, maxMb] of [
			['endless', 'endless', 50],
			['200MB', 200 * 2 ** 20, 256],
		]) {
			const figure = downloadCase([name, size, mode, maxMb]);
			results.downloadBound[`${name} ${mode}`] = figure;
			say(
				`  ${name} body, ${mode} mode, Max Image Size ${maxMb} MB: ${figure.outcome}; +${figure.growthMb} MB RSS`,
			);
		}
	}
}
