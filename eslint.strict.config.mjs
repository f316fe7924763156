// The project's own, stricter lint (npm run lint runs it after `n8n-node lint`, whose config is
// eslint.config.mjs, node-cli's default, as "strict": true requires). This one covers every file:
// eslint-plugin-n8n-nodes-base (community rules on package.json, credentials rules on
// credentials/, nodes rules on nodes/) and @n8n/eslint-plugin-community-nodes (recommended) on
// the shipped code and package.json, no inline eslint-disable in shipped code, TypeScript rules
// on the tests (.mts) and JavaScript rules on the simulator, scripts and harness (.mjs).
import js from '@eslint/js';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

const n8nBase = { 'n8n-nodes-base': n8nNodesBase };
const shipped = ['nodes/**/*.ts', 'credentials/**/*.ts'];
const nodeGlobals = {
	process: 'readonly',
	console: 'readonly',
	Buffer: 'readonly',
	URL: 'readonly',
	setTimeout: 'readonly',
	clearTimeout: 'readonly',
	setInterval: 'readonly',
	clearInterval: 'readonly',
	AbortController: 'readonly',
	AbortSignal: 'readonly',
	fetch: 'readonly',
	performance: 'readonly',
	structuredClone: 'readonly',
};

export default [
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'test/fixtures/**/dist/**',
			'out/**',
			'coverage/**',
			'test/compat/**/node_modules/**',
			'test/e2e/.cache/**',
			'**/*.d.ts',
		],
	},
	...tseslint.configs.recommended.map((config) => ({ ...config, files: ['**/*.ts', '**/*.mts'] })),
	{
		files: ['**/*.mjs', '**/*.js'],
		...js.configs.recommended,
		languageOptions: { ecmaVersion: 'latest', sourceType: 'module', globals: nodeGlobals },
	},
	{
		files: ['gulpfile.js', '.prettierrc.js'],
		languageOptions: {
			sourceType: 'commonjs',
			globals: { require: 'readonly', module: 'writable' },
		},
	},
	{
		files: shipped,
		rules: { '@typescript-eslint/no-explicit-any': 'error' },
	},
	{
		// Tests poke at engine internals whose types n8n does not export.
		files: ['test/**/*.mts'],
		rules: { '@typescript-eslint/no-explicit-any': 'off' },
	},
	{
		// Both plugins read package.json as one JavaScript object expression, as n8n's starter does.
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
		plugins: n8nBase,
		rules: n8nNodesBase.configs.community.rules,
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: n8nBase,
		rules: n8nNodesBase.configs.credentials.rules,
	},
	{ files: ['nodes/**/*.ts'], plugins: n8nBase, rules: n8nNodesBase.configs.nodes.rules },
	{ ...n8nCommunityNodesPlugin.configs.recommended, files: [...shipped, 'package.json'] },
	{
		// Where the two plugins disagree, follow the newer one, which n8n's verification runs:
		// connection types as the NodeConnectionTypes enum, and documentationUrl as a full URL
		// (the camelCase rule applies only to nodes in n8n's own repository, as its docs say).
		// "subscriptionKey" is a secret although its name does not say so: it stays a password field.
		files: shipped,
		rules: {
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'@n8n/community-nodes/credential-unnecessary-password': 'off',
		},
	},
	{
		// No escape hatches in shipped code: n8n's scanner ignores them anyway.
		files: shipped,
		linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'error' },
	},
];
