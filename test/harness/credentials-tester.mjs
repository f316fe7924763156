// Tests a credential the way n8n's "Test" button does (packages/cli/src/services/
// credentials-tester.service.ts): a declarative `test` (ICredentialTestRequest) runs through
// n8n-core's RoutingNode on a temporary node type whose single property routes the request;
// without one, a node's `testedBy` function from `methods.credentialTest` is called with an
// n8n-core CredentialTestContext.

import { HarnessCredentialsHelper } from './credentials-helper.mjs';
import { instanceUrls } from './shared.mjs';
import { core, di, logCapture, workflowLib } from './n8n.mjs';
import { ensureRuntime, nextExecutionId } from './runtime.mjs';

const { RoutingNode, ExecuteContext, CredentialTestContext, ErrorReporter } = /** @type {any} */ (
	core
);
const { Workflow, NodeHelpers, VersionedNodeType, UnexpectedError } = /** @type {any} */ (
	workflowLib
);

/**
 * @typedef {{ status: 'OK' | 'Error', message: string }} CredentialTestResult
 * @typedef {import('./package-loader.mjs').LoadedPackage} LoadedPackage
 */

/** lodash.get for dotted / bracketed paths. @param {any} obj @param {string} path */
function getPath(obj, path) {
	const parts = String(path)
		.replace(/\[(\w+)\]/g, '.$1')
		.split('.')
		.filter(Boolean);
	let cur = obj;
	for (const part of parts) {
		if (cur === null || cur === undefined) return undefined;
		cur = cur[part];
	}
	return cur;
}

/**
 * Finds how to test a credential type, as CredentialsTester.getCredentialTestFunction does.
 * @param {LoadedPackage} pkg
 * @param {string} credentialType
 * @returns {Function | { nodeType?: any, testRequest: any } | undefined}
 */
export function getCredentialTestFunction(pkg, credentialType) {
	const type = pkg.credentialTypes.getByName(credentialType);
	if (type.test) return { testRequest: type.test };

	for (const nodeName of pkg.credentialTypes.getSupportedNodes(credentialType)) {
		const node = pkg.nodeTypes.getByName(nodeName);
		/** @type {any[]} */
		const allNodeTypes =
			node instanceof VersionedNodeType || 'nodeVersions' in node
				? Object.values(/** @type {any} */ (node).nodeVersions)
				: [node];
		for (const nodeType of allNodeTypes) {
			for (const { name, testedBy } of nodeType.description.credentials ?? []) {
				if (
					name === credentialType &&
					(pkg.credentialTypes.getParentTypes(name).includes('oAuth2Api') || name === 'oAuth2Api')
				) {
					return async function oauth2CredTest(/** @type {any} */ cred) {
						const tokenData = cred?.data?.oauthTokenData;
						return tokenData && typeof tokenData === 'object' && 'access_token' in tokenData
							? { status: 'OK', message: 'Connection Successful!' }
							: { status: 'Error', message: "Couldn't connect with these settings" };
					};
				}
				if (name === credentialType && !!testedBy) {
					if (typeof testedBy === 'string') {
						if ('nodeVersions' in node) {
							const versions = Object.keys(/** @type {any} */ (node).nodeVersions)
								.sort()
								.reverse();
							for (const version of versions) {
								const versionedNode = /** @type {any} */ (node).nodeVersions[parseFloat(version)];
								const credentialTest = versionedNode.methods?.credentialTest;
								if (credentialTest && testedBy in credentialTest) return credentialTest[testedBy];
							}
						}
						return /** @type {any} */ (node).methods?.credentialTest?.[testedBy];
					}
					return { nodeType, testRequest: testedBy };
				}
			}
		}
	}
	return undefined;
}

/** A minimal additionalData, as WorkflowExecuteAdditionalData.getBase() gives the tester. */
function baseAdditionalData(/** @type {HarnessCredentialsHelper} */ credentialsHelper) {
	return {
		credentialsHelper,
		executionId: undefined,
		currentNodeExecutionIndex: 0,
		...instanceUrls(),
		variables: {},
		executeWorkflow: async () => {
			throw new Error('not available in the credential tester');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: async () => {
			throw new Error('not available in the credential tester');
		},
		logAiEvent: () => {},
	};
}

/**
 * Runs a credential's test like n8n's CredentialsTester.
 * @param {LoadedPackage} pkg result of loadPackage
 * @param {string} credentialType credential type name
 * @param {Record<string, unknown>} data decrypted credential data (defaults are applied)
 * @returns {Promise<CredentialTestResult & { logs: string[] }>}
 */
export async function testCredential(pkg, credentialType, data) {
	await ensureRuntime();
	logCapture.reinstall();
	const runId = `credential-test-${nextExecutionId()}`;
	const collected = logCapture.collect(runId);
	try {
		const result = await logCapture.runWith(runId, () => runTest(pkg, credentialType, data));
		return { ...result, logs: collected.entries.map((e) => e.line) };
	} finally {
		collected.stop();
	}
}

/**
 * @param {LoadedPackage} pkg
 * @param {string} credentialType
 * @param {Record<string, unknown>} data
 * @returns {Promise<CredentialTestResult>}
 */
async function runTest(pkg, credentialType, data) {
	const credentialTestFunction = getCredentialTestFunction(pkg, credentialType);
	if (credentialTestFunction === undefined) {
		return { status: 'Error', message: 'No testing function found for this credential.' };
	}

	const credentialsHelper = new HarnessCredentialsHelper(pkg.credentialTypes, {
		[credentialType]: data,
	});
	const credentialsDecrypted = {
		id: `harness-${credentialType}`,
		name: `${credentialType} (harness)`,
		type: credentialType,
		data: structuredClone(data),
	};
	const additionalData = baseAdditionalData(credentialsHelper);

	try {
		credentialsDecrypted.data = await credentialsHelper.applyDefaultsAndOverwrites(
			additionalData,
			credentialsDecrypted.data,
			credentialType,
			'internal',
		);
	} catch (error) {
		return { status: 'Error', message: String(/** @type {Error} */ (error).message) };
	}

	if (typeof credentialTestFunction === 'function') {
		// The credential is tested by a function the node defines.
		const context = new CredentialTestContext(additionalData);
		return await credentialTestFunction.call(context, credentialsDecrypted);
	}

	// Tested through request instructions: a temporary node type whose single property routes the
	// test request, run through RoutingNode.
	const nodeType =
		credentialTestFunction.nodeType ?? pkg.nodeTypes.getByNameAndVersion('n8n-nodes-base.noOp');
	const version = Array.isArray(nodeType.description.version)
		? nodeType.description.version.slice(-1)[0]
		: nodeType.description.version;
	const node = {
		id: 'temp',
		parameters: {},
		name: 'Temp-Node',
		type: nodeType.description.name,
		typeVersion: version,
		position: [0, 0],
		credentials: {
			[credentialType]: { id: credentialsDecrypted.id, name: credentialsDecrypted.name },
		},
	};
	const nodeTypeCopy = {
		description: {
			...nodeType.description,
			credentials: [{ name: credentialType, required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: credentialTestFunction.testRequest.request },
					default: '',
				},
			],
		},
	};
	const mockNodeTypes = {
		getKnownTypes: () => ({}),
		getByName: () => nodeTypeCopy,
		getByNameAndVersion: (/** @type {string} */ type, /** @type {number} */ v) => {
			if (type !== nodeTypeCopy.description.name) {
				throw new UnexpectedError('Unknown node type', { tags: { nodeType: type } });
			}
			return NodeHelpers.getVersionedNodeType(nodeTypeCopy, v);
		},
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: mockNodeTypes,
	});

	const mode = 'internal';
	const runIndex = 0;
	const inputData = { main: [[{ json: {} }]] };
	const runExecutionData = { resultData: { runData: {} } };
	const executeData = { node, data: {}, source: null };
	const executeFunctions = new ExecuteContext(
		workflow,
		node,
		additionalData,
		mode,
		runExecutionData,
		runIndex,
		[],
		inputData,
		executeData,
		[],
	);
	const routingNode = new RoutingNode(executeFunctions, nodeTypeCopy, credentialsDecrypted);

	/** @type {any} */
	let response;
	try {
		response = await routingNode.runNode();
	} catch (e) {
		const error = /** @type {any} */ (e);
		try {
			// As the app does; n8n-core's ErrorReporter logs it through the (captured) Logger.
			di.Container.get(ErrorReporter).error(error);
		} catch {
			// reporting must not change the result
		}
		if (error.cause?.response) {
			const errorResponseData = {
				statusCode: error.cause.response.status,
				statusMessage: error.cause.response.statusText,
			};
			for (const rule of credentialTestFunction.testRequest.rules ?? []) {
				if (
					rule.type === 'responseCode' &&
					errorResponseData.statusCode === rule.properties.value
				) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (errorResponseData.statusCode < 199 || errorResponseData.statusCode > 299) {
				return {
					status: 'Error',
					message:
						errorResponseData.statusMessage ||
						`Received HTTP status code: ${errorResponseData.statusCode}`,
				};
			}
		} else if (error.cause?.code) {
			return { status: 'Error', message: error.cause.code };
		}
		return { status: 'Error', message: String(error.message) };
	}

	if (Array.isArray(credentialTestFunction.testRequest.rules)) {
		for (const rule of credentialTestFunction.testRequest.rules) {
			if (rule.type === 'responseSuccessBody') {
				const responseData = response?.[0]?.[0]?.json;
				if (getPath(responseData, rule.properties.key) === rule.properties.value) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}
