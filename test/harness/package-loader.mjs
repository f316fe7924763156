// Loads a community node package with n8n-core's own directory loader and exposes it through
// INodeTypes / ICredentialTypes implementations shaped like n8n's (packages/cli/src/node-types.ts,
// credential-types.ts; packages/core/nodes-testing/node-types.ts).

import path from 'node:path';
import { performance } from 'node:perf_hooks';

import { core, workflowLib } from './n8n.mjs';
import { activeRuns } from './runtime.mjs';
import { shared } from './shared.mjs';
import { createStubNodeTypes } from './stub-nodes.mjs';

const { NodeHelpers, UserError } = /** @type {any} */ (workflowLib);
const {
	LazyPackageDirectoryLoader,
	PackageDirectoryLoader,
	RoutingNode,
	UnrecognizedNodeTypeError,
	UnrecognizedCredentialTypeError,
} = /** @type {any} */ (core);

/**
 * @typedef {object} LoadPackageOptions
 * @property {string[]} [stubTypes] extra `n8n-nodes-base.*` types to stand in for with pass-through nodes
 * @property {'lazy' | 'eager'} [loader] `lazy` (default): LazyPackageDirectoryLoader, what n8n uses for
 *   installed community packages at start-up (falls back to a full load when the package ships no
 *   dist/known/*.json, which community packages normally don't); `eager`: PackageDirectoryLoader,
 *   what n8n uses right after installing a package from the UI.
 * @property {boolean} [fresh] load again even if this package was loaded before in this process
 */

/**
 * @typedef {object} LoadedPackage
 * @property {string} packageName
 * @property {string} packageDir
 * @property {string} packageVersion
 * @property {any} loader the n8n-core DirectoryLoader instance
 * @property {HarnessNodeTypes} nodeTypes
 * @property {HarnessCredentialTypes} credentialTypes
 * @property {string[]} nodeNames full node type names of the package (`<packageName>.<name>`)
 * @property {string[]} credentialNames credential type names of the package
 * @property {string[]} stubTypes node types stood in for
 * @property {number} loadMs
 */

/**
 * Whether n8n would give this node type an `execute` that runs its declarative routing
 * (as packages/cli/src/utils.ts `shouldAssignExecuteMethod`).
 * @param {any} nodeType
 */
function shouldAssignExecuteMethod(nodeType) {
	const isDeclarativeNode = nodeType?.description?.requestDefaults !== undefined;
	return (
		!nodeType.execute &&
		!nodeType.poll &&
		!nodeType.trigger &&
		(!nodeType.webhook || isDeclarativeNode) &&
		(!nodeType.methods || isDeclarativeNode)
	);
}

/** @param {string} fullType */
function splitType(fullType) {
	const dot = fullType.lastIndexOf('.');
	return dot === -1
		? { packageName: '', shortName: fullType }
		: { packageName: fullType.slice(0, dot), shortName: fullType.slice(dot + 1) };
}

/** INodeTypes over one package's loader plus the stand-ins for n8n-nodes-base nodes. */
export class HarnessNodeTypes {
	/**
	 * @param {any} loader
	 * @param {string} packageName
	 * @param {Record<string, any>} stubs
	 */
	constructor(loader, packageName, stubs) {
		this.loader = loader;
		this.packageName = packageName;
		this.stubs = stubs;
	}

	/** @param {string} nodeType full type name */
	getByName(nodeType) {
		if (Object.hasOwn(this.stubs, nodeType)) return this.stubs[nodeType];
		const { packageName, shortName } = splitType(nodeType);
		if (packageName !== this.packageName) {
			throw new UnrecognizedNodeTypeError(packageName, shortName);
		}
		return this.loader.getNode(shortName).type;
	}

	/**
	 * @param {string} nodeType full type name
	 * @param {number} [version]
	 */
	getByNameAndVersion(nodeType, version) {
		const versioned = NodeHelpers.getVersionedNodeType(this.getByName(nodeType), version);
		if (shouldAssignExecuteMethod(versioned)) {
			// As n8n's app does for declarative (routing) nodes.
			versioned.execute = async function () {
				const routingNode = new RoutingNode(this, versioned);
				const data = await routingNode.runNode();
				return data ?? [];
			};
		}
		return versioned;
	}

	getKnownTypes() {
		/** @type {Record<string, { className: string, sourcePath: string }>} */
		const known = {};
		for (const [type, info] of Object.entries(this.loader.known.nodes)) {
			known[`${this.packageName}.${type}`] = {
				className: /** @type {any} */ (info).className,
				sourcePath: path.join(this.loader.directory, /** @type {any} */ (info).sourcePath),
			};
		}
		for (const type of Object.keys(this.stubs))
			known[type] = { className: 'HarnessStub', sourcePath: '' };
		return known;
	}
}

/** ICredentialTypes over one package's loader (as packages/cli/src/credential-types.ts). */
export class HarnessCredentialTypes {
	/** @param {any} loader @param {string} packageName */
	constructor(loader, packageName) {
		this.loader = loader;
		this.packageName = packageName;
	}

	/** @param {string} type */
	recognizes(type) {
		return type in this.loader.known.credentials;
	}

	/** @param {string} type */
	getByName(type) {
		if (!this.recognizes(type)) throw new UnrecognizedCredentialTypeError(type);
		return this.loader.getCredential(type).type;
	}

	/**
	 * The short node names of the package that use the credential, prefixed with the package name.
	 * @param {string} type
	 * @returns {string[]}
	 */
	getSupportedNodes(type) {
		const supported = this.loader.known.credentials[type]?.supportedNodes ?? [];
		return supported.map((/** @type {string} */ name) => `${this.packageName}.${name}`);
	}

	/**
	 * All parent types of a credential type (`extends`, recursively). Parents from other
	 * packages (oAuth2Api is in n8n-nodes-base) are listed though the harness cannot load them.
	 * @param {string} typeName
	 * @returns {string[]}
	 */
	getParentTypes(typeName) {
		const extendsArr = this.loader.known.credentials[typeName]?.extends ?? [];
		if (extendsArr.length === 0) return [];
		/** @type {string[]} */
		const out = [...extendsArr];
		for (const parent of extendsArr) out.push(...this.getParentTypes(parent));
		return out;
	}
}

/** @type {Map<string, Promise<LoadedPackage>>} */
const cache = (shared.packageCache ??= new Map());

/**
 * Loads a community node package the way n8n loads one (see LoadPackageOptions.loader).
 * @param {string} packageDir folder with package.json (its `n8n` field lists the built files)
 * @param {LoadPackageOptions} [options]
 * @returns {Promise<LoadedPackage>}
 */
export async function loadPackage(packageDir, options = {}) {
	const dir = path.resolve(packageDir);
	const stubTypes = [...new Set(options.stubTypes ?? [])].sort();
	const loaderKind = options.loader ?? 'lazy';
	const key = JSON.stringify([dir, stubTypes, loaderKind]);
	if (!options.fresh && cache.has(key))
		return await /** @type {Promise<LoadedPackage>} */ (cache.get(key));
	const promise = doLoad(dir, stubTypes, loaderKind);
	cache.set(key, promise);
	promise.catch(() => cache.delete(key));
	return await promise;
}

/**
 * @param {string} dir
 * @param {string[]} stubTypes
 * @param {'lazy' | 'eager'} loaderKind
 * @returns {Promise<LoadedPackage>}
 */
async function doLoad(dir, stubTypes, loaderKind) {
	const started = performance.now();
	const LoaderClass = loaderKind === 'eager' ? PackageDirectoryLoader : LazyPackageDirectoryLoader;
	const loader = new LoaderClass(dir);

	// n8n 2.x refuses packages that need a newer node API (scanDirectoryForPackages).
	const { checkNodesApiVersion } = /** @type {any} */ (workflowLib);
	if (typeof checkNodesApiVersion === 'function') {
		const check = checkNodesApiVersion(loader.packageJson);
		if (!check.compatible) {
			throw new UserError(
				`Package "${loader.packageName}" is not loadable by this n8n: ${check.reason} (n8nNodesApiVersion ${JSON.stringify(check.declared)})`,
			);
		}
	}
	if (!loader.packageJson.n8n) {
		throw new UserError(`Package "${loader.packageName}" has no "n8n" field in its package.json`);
	}

	await loader.loadAll();

	const packageName = loader.packageName;
	const stubs = createStubNodeTypes(stubTypes, (executionId, call) => {
		const run = executionId === undefined ? undefined : activeRuns.get(String(executionId));
		if (!run) return;
		const list = run.received.get(call.nodeName) ?? [];
		list.push(call);
		run.received.set(call.nodeName, list);
	});

	const nodeTypes = new HarnessNodeTypes(loader, packageName, stubs);
	const credentialTypes = new HarnessCredentialTypes(loader, packageName);
	const nodeNames = Object.keys(loader.known.nodes).map((n) => `${packageName}.${n}`);
	const credentialNames = Object.keys(loader.known.credentials);
	// Make sure every file really loads now (lazy loaders defer it), so loadMs means something and
	// a broken build fails here rather than in the middle of a run.
	for (const name of nodeNames) nodeTypes.getByName(name);
	for (const name of credentialNames) credentialTypes.getByName(name);

	return {
		packageName,
		packageDir: dir,
		packageVersion: loader.packageJson.version,
		loader,
		nodeTypes,
		credentialTypes,
		nodeNames,
		credentialNames,
		stubTypes: Object.keys(stubs),
		loadMs: performance.now() - started,
	};
}
