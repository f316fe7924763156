// Copies the SVG icons and the codex files next to the compiled node and credential files, where n8n looks for them.
const { task, src, dest } = require('gulp');

function copyIcons() {
	return src(['nodes/**/*.svg', 'nodes/**/*.node.json', 'credentials/**/*.svg'], {
		base: '.',
	}).pipe(dest('dist'));
}

task('build:icons', copyIcons);
