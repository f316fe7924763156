// What `npm run demo -- --live` and `npm run test:live` send to: the key from PIXAZO_API_KEY, the
// base URLs from PIXAZO_SUBMIT_BASE_URL / PIXAZO_POLL_BASE_URL or else the credential's defaults,
// read from the built credential (dist/), so that they are written down in one place only.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const KEY_VARIABLE = 'PIXAZO_API_KEY';
export const SUBMIT_VARIABLE = 'PIXAZO_SUBMIT_BASE_URL';
export const POLL_VARIABLE = 'PIXAZO_POLL_BASE_URL';

/** Why nothing is sent without a key (one line). */
export const NO_KEY_REASON = `${KEY_VARIABLE} is not set, so nothing was sent`;

/**
 * The credential's default base URLs, as n8n shows them (the built credential's field defaults).
 * @returns {{ submitBaseUrl: string, pollBaseUrl: string }}
 */
export function credentialDefaults() {
	const file = join(ROOT, 'dist', 'credentials', 'PixazoApi.credentials.js');
	/** @type {{ properties: { name: string, default: unknown }[] }} */
	let credential;
	try {
		credential = new (createRequire(import.meta.url)(file).PixazoApi)();
	} catch (err) {
		throw new Error(`cannot read the credential's defaults from ${file} (run npm run build)`, {
			cause: err,
		});
	}
	const field = (/** @type {string} */ name) =>
		String(credential.properties.find((p) => p.name === name)?.default ?? '');
	return { submitBaseUrl: field('submitBaseUrl'), pollBaseUrl: field('pollBaseUrl') };
}

/**
 * The key from PIXAZO_API_KEY, or null when it is unset or blank. Needs no build.
 * @param {NodeJS.ProcessEnv} [env]
 */
export function liveKey(env = process.env) {
	return env[KEY_VARIABLE]?.trim() || null;
}

/**
 * The key and the base URLs of a live run; `key` is null when PIXAZO_API_KEY is unset or empty.
 * The base URLs lose a trailing slash, as n8n joins them with `/getImage`.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {{ key: string | null, submitBaseUrl: string, pollBaseUrl: string }}
 */
export function liveSettings(env = process.env) {
	const defaults = credentialDefaults();
	const base = (/** @type {string | undefined} */ value, /** @type {string} */ fallback) =>
		(value?.trim() || fallback).replace(/\/+$/, '');
	return {
		key: liveKey(env),
		submitBaseUrl: base(env[SUBMIT_VARIABLE], defaults.submitBaseUrl),
		pollBaseUrl: base(env[POLL_VARIABLE], defaults.pollBaseUrl),
	};
}
