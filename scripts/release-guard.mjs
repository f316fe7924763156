// Run by .github/workflows/release.yml before anything is installed or published: refuses
// (exit 1, with the reason) unless
//   - the pushed tag is exactly "v" + package.json's version, and
//   - package.json's `repository` is the GitHub repository the workflow runs in: npm provenance
//     records that repository, and n8n's verification fetches the source from it.
// Reads GITHUB_REF_NAME (the tag) and GITHUB_REPOSITORY (owner/name), as GitHub Actions sets them.
// `node scripts/release-guard.mjs [path/to/package.json]` (the tests pass their own).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const manifestPath =
	process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));

/** "owner/name" of a package.json `repository` (string or { url }), or null. */
function repositorySlug(repository) {
	const url = typeof repository === 'string' ? repository : repository?.url;
	const match =
		/github\.com[/:]([^/]+)\/([^/#]+?)(?:\.git)?(?:#.*)?$/i.exec(url ?? '') ??
		/^(?:github:)?([\w.-]+)\/([\w.-]+)$/.exec(url ?? '');
	return match ? `${match[1]}/${match[2]}` : null;
}

const problems = [];
const tag = process.env.GITHUB_REF_NAME ?? '';
const running = process.env.GITHUB_REPOSITORY ?? '';
if (tag !== `v${manifest.version}`) {
	problems.push(
		`the tag "${tag}" is not "v${manifest.version}" (package.json's version): bump the version, commit, then tag that commit v<version>`,
	);
}
const declared = repositorySlug(manifest.repository);
if (!declared) {
	problems.push(
		"package.json has no GitHub `repository` (npm provenance and n8n's verification need it)",
	);
} else if (declared.toLowerCase() !== running.toLowerCase()) {
	problems.push(
		`package.json's repository is ${declared}, but this workflow runs in ${running || '(no GITHUB_REPOSITORY)'}: set repository, bugs and homepage to this repository`,
	);
}
if (problems.length) {
	process.stderr.write(
		`Refusing to publish ${manifest.name}@${manifest.version}:\n${problems.map((p) => `  - ${p}\n`).join('')}`,
	);
	process.exit(1);
}
process.stdout.write(
	`Publishing ${manifest.name}@${manifest.version} from ${running}, tag ${tag}\n`,
);
