// The tree shows the data path (docs/ARCHITECTURE.md): imports run one way, and no file or
// function grows past what a reader takes in at once.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const NODE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../nodes/Inpaint');
const MAX_FILE_LINES = 220;
const MAX_FUNCTION_LINES = 60;

/** The layers, each allowed to import the ones listed (and itself). */
const MAY_IMPORT: Record<string, string[]> = {
	helpers: [],
	transport: ['helpers'],
	job: ['transport', 'helpers'],
	actions: ['job', 'helpers'],
	'.': ['actions'],
};

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) return sourceFiles(path);
		return entry.name.endsWith('.ts') ? [path] : [];
	});
}

const files = sourceFiles(NODE_DIR).map((path) => ({
	path,
	name: relative(NODE_DIR, path),
	layer: relative(NODE_DIR, path).includes('/') ? relative(NODE_DIR, path).split('/')[0] : '.',
	source: ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true),
}));

describe('the layout of nodes/', () => {
	it.each(files.map((f) => [f.name, f] as const))(
		'%s imports only the layers below it',
		(_, file) => {
			const imported = file.source.statements
				.filter(ts.isImportDeclaration)
				.map((statement) => (statement.moduleSpecifier as ts.StringLiteral).text)
				.filter((specifier) => specifier.startsWith('.'))
				.map((specifier) => relative(NODE_DIR, resolve(dirname(file.path), specifier)))
				.filter((target) => !target.startsWith('..'))
				.map((target) => (target.includes('/') ? target.split('/')[0] : '.'));
			for (const layer of imported) {
				if (layer === file.layer) continue;
				expect(MAY_IMPORT[file.layer], `${file.name} imports ${layer}/`).toContain(layer);
			}
		},
	);

	it.each(files.map((f) => [f.name, f] as const))(
		`%s has at most ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES}`,
		(_, file) => {
			const lineOf = (pos: number) => file.source.getLineAndCharacterOfPosition(pos).line;
			expect(lineOf(file.source.end)).toBeLessThanOrEqual(MAX_FILE_LINES);
			const visit = (node: ts.Node): void => {
				if (ts.isFunctionLike(node) && 'body' in node && node.body) {
					const lines = lineOf(node.end) - lineOf(node.getStart()) + 1;
					const name = (node as { name?: ts.Node }).name?.getText() ?? 'a function';
					expect(lines, `${name} in ${file.name}`).toBeLessThanOrEqual(MAX_FUNCTION_LINES);
				}
				ts.forEachChild(node, visit);
			};
			visit(file.source);
		},
	);
});
