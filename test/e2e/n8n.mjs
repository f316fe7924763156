// Runs the n8n CLI of one installed line against one user folder: the environment, import of
// credentials and workflows, `n8n execute --id … --rawOutput` and reading its JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { ENCRYPTION_KEY, freePort, run } from './lib.mjs';

/**
 * The environment of every n8n command of a run: its own user folder, a fixed encryption key,
 * log level info (below it the result JSON is not printed), nothing phoning home, file access
 * limited to `filesDir`.
 */
export function n8nEnv(n8n, userFolder, filesDir, extra = {}) {
	return {
		...n8n.env,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
		N8N_LOG_LEVEL: 'info',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
		N8N_RESTRICT_FILE_ACCESS_TO: filesDir,
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		...extra,
	};
}

export class N8nCli {
	/** @param n8n an installed line (ensureN8n) @param userFolder the run's N8N_USER_FOLDER */
	constructor(n8n, userFolder, filesDir) {
		this.n8n = n8n;
		this.userFolder = userFolder;
		this.filesDir = filesDir;
		this.inputDir = join(userFolder, 'e2e-input');
		mkdirSync(this.inputDir, { recursive: true });
		mkdirSync(filesDir, { recursive: true });
	}

	/** Runs `n8n <args>` (its own task-broker port each time); resolves { code, output, ms, … }. */
	async cli(args, timeoutMs = 120_000) {
		const env = n8nEnv(this.n8n, this.userFolder, this.filesDir, {
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		});
		return run('node', [this.n8n.bin, ...args], { env, cwd: this.userFolder, timeoutMs });
	}

	async cliOk(args) {
		const result = await this.cli(args);
		if (result.code !== 0)
			throw new Error(
				`n8n ${args.join(' ')} exited with ${result.code}:\n${result.output.slice(-3000)}`,
			);
		return result;
	}

	/** Imports credentials given with their data in clear (n8n encrypts them on import). */
	async importCredentials(list) {
		const file = join(this.inputDir, 'credentials.json');
		writeFileSync(file, JSON.stringify(list, null, 2));
		return this.cliOk(['import:credentials', `--input=${file}`]);
	}

	/** Imports workflows, one file each, with a single `n8n import:workflow --separate`. */
	async importWorkflows(workflows) {
		const dir = join(this.inputDir, 'workflows');
		mkdirSync(dir, { recursive: true });
		for (const workflow of workflows) {
			if (!workflow.id || workflow.id.length > 16)
				throw new Error(`workflow id "${workflow.id}" must have 1 to 16 characters`);
			writeFileSync(join(dir, `${workflow.id}.json`), JSON.stringify(workflow, null, 2));
		}
		return this.cliOk(['import:workflow', '--separate', `--input=${dir}`]);
	}

	/** `n8n execute --id=… --rawOutput`: { code, ms, output, result (the parsed JSON or null) }. */
	async execute(id, timeoutMs = 120_000) {
		const outcome = await this.cli(['execute', `--id=${id}`, '--rawOutput'], timeoutMs);
		return { ...outcome, result: parseRawOutput(outcome.stdout) };
	}
}

/** The run JSON `--rawOutput` prints: it starts at a line that is just `{` (banners may precede it). */
export function parseRawOutput(stdout) {
	const lines = stdout.split('\n');
	for (let start = lines.indexOf('{'); start >= 0; start = lines.indexOf('{', start + 1)) {
		for (let end = lines.length; end > start; end--) {
			if (lines[end - 1] !== '}') continue;
			try {
				return JSON.parse(lines.slice(start, end).join('\n'));
			} catch {
				/* not this span */
			}
		}
	}
	return null;
}

/** The output items of `nodeName`'s runs (all runs, main output 0), from a run JSON. */
export function nodeItems(result, nodeName, output = 0) {
	const runs = result?.data?.resultData?.runData?.[nodeName] ?? [];
	return runs.flatMap((r) => r.data?.main?.[output] ?? []);
}

export const nodeRuns = (result, nodeName) =>
	(result?.data?.resultData?.runData?.[nodeName] ?? []).length;
