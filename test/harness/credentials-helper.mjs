// The harness's ICredentialsHelper: n8n's app keeps credentials encrypted in its database; the
// harness keeps the decrypted ones handed to runWorkflow() in memory, one helper per run.
// Otherwise it does what packages/cli/src/credentials-helper.ts does: applies the credential
// type's defaults, resolves expressions in credential values, runs `preAuthentication` for
// expirable properties, and applies `authenticate` (a function, or `{ type: 'generic' }` whose
// values are n8n expressions such as `={{$credentials.subscriptionKey}}`).

import { core, workflowLib } from './n8n.mjs';

const { ICredentialsHelper, ICredentials, NodeHelpers, Workflow, isExpression, UnexpectedError } =
	/** @type {any} */ (workflowLib);

/**
 * @typedef {Record<string, any>} CredentialData
 * @typedef {{ getByName(name: string): any, recognizes(name: string): boolean, getParentTypes(name: string): string[], getSupportedNodes(name: string): string[] }} CredentialTypesLike
 */

/** A node to hang expression resolution on, as the cli does (`mockNode`). */
const mockNode = {
	id: 'harness-credentials-mock',
	name: '',
	typeVersion: 1,
	type: 'mock',
	position: [0, 0],
	parameters: {},
};

/** Node types with one empty `mock` type, for the throw-away Workflow used to resolve expressions. */
const mockNodeTypes = {
	getKnownTypes: () => ({}),
	getByName: () => mockNodeType,
	getByNameAndVersion: () => mockNodeType,
};
const mockNodeType = {
	description: {
		name: 'mock',
		displayName: 'Mock',
		version: 1,
		group: ['transform'],
		description: '',
		defaults: {},
		inputs: ['main'],
		outputs: ['main'],
		properties: [],
	},
};

/**
 * Plain-text ICredentials: what `getCredentials()` hands back. (n8n-core's `Credentials` class
 * encrypts with the instance key and its API differs between n8n 1.x and 2.x; nothing in a run
 * needs the ciphertext.)
 */
export class PlainCredentials extends ICredentials {
	/**
	 * @param {{ id: string | null, name: string }} nodeCredentials
	 * @param {string} type
	 * @param {CredentialData} data
	 * @param {(data: CredentialData) => void} [onSave]
	 */
	constructor(nodeCredentials, type, data, onSave) {
		super(nodeCredentials, type);
		/** @type {CredentialData} */
		this.plain = structuredClone(data);
		this.onSave = onSave;
	}

	async getData() {
		return structuredClone(this.plain);
	}

	/** @param {CredentialData} data */
	async setData(data) {
		this.plain = structuredClone(data);
		this.onSave?.(structuredClone(data));
	}

	/** @param {CredentialData} toUpdate @param {string[]} [toDelete] */
	async updateData(toUpdate, toDelete = []) {
		const next = { ...this.plain, ...toUpdate };
		for (const key of toDelete) delete next[key];
		await this.setData(next);
	}

	getDataToSave() {
		return { id: this.id, name: this.name, type: this.type, data: JSON.stringify(this.plain) };
	}
}

export class HarnessCredentialsHelper extends ICredentialsHelper {
	/**
	 * @param {CredentialTypesLike} credentialTypes
	 * @param {Record<string, CredentialData>} credentials decrypted credential data by credential type name
	 */
	constructor(credentialTypes, credentials = {}) {
		super();
		this.credentialTypes = credentialTypes;
		/** @type {Record<string, CredentialData>} */
		this.store = structuredClone(credentials);
		/** Every credential update n8n-core or the node asked for (token refresh, OAuth data...). @type {Array<{ type: string, data: CredentialData }>} */
		this.updates = [];
		/** Which credential types were decrypted for which node. @type {Array<{ type: string, node?: string }>} */
		this.accessLog = [];
	}

	/** @param {string} typeName */
	getParentTypes(typeName) {
		return this.credentialTypes.getParentTypes(typeName);
	}

	/** @param {string} credentialType @param {string} nodeType */
	isCredentialUsableByNode(credentialType, nodeType) {
		let typeDef;
		try {
			typeDef = this.credentialTypes.getByName(credentialType);
		} catch {
			return true;
		}
		if (!typeDef.restrictToSupportedNodes) return true;
		return this.credentialTypes.getSupportedNodes(credentialType).includes(nodeType);
	}

	/**
	 * Adds the authentication of the credential type to the request, as the app does.
	 * @param {CredentialData} credentials
	 * @param {string} typeName
	 * @param {any} incomingRequestOptions
	 * @param {any} [workflow]
	 * @param {any} [node]
	 */
	async authenticate(credentials, typeName, incomingRequestOptions, workflow, node) {
		const requestOptions = incomingRequestOptions;
		const credentialType = this.credentialTypes.getByName(typeName);
		const { authenticate } = credentialType;
		if (!authenticate) return requestOptions;

		if (typeof authenticate === 'function') {
			return await authenticate(credentials, requestOptions);
		}

		if (typeof authenticate === 'object') {
			if (!workflow || !node) {
				throw new UnexpectedError(
					'Workflow and node are required for declarative credential authentication',
				);
			}
			if (requestOptions.headers === undefined) requestOptions.headers = {};
			if (authenticate.type === 'generic') {
				for (const [outerKey, outerValue] of Object.entries(authenticate.properties ?? {})) {
					for (const [key, value] of Object.entries(/** @type {object} */ (outerValue))) {
						const keyResolved = this.resolveValue(
							key,
							{ $credentials: credentials },
							workflow,
							node,
						);
						const valueResolved = this.resolveValue(
							/** @type {string} */ (value),
							{ $credentials: credentials },
							workflow,
							node,
						);
						if (!requestOptions[outerKey]) requestOptions[outerKey] = {};
						requestOptions[outerKey][keyResolved] = valueResolved;
					}
				}
			}
		}
		return requestOptions;
	}

	/**
	 * Resolves a value when it is an expression, the way the app does (`'internal'` mode,
	 * `$credentials` as additional key).
	 * @param {string} parameterValue
	 * @param {Record<string, unknown>} additionalKeys
	 * @param {any} workflow
	 * @param {any} node
	 * @returns {string}
	 */
	resolveValue(parameterValue, additionalKeys, workflow, node) {
		if (!isExpression(parameterValue)) return parameterValue;
		const returnValue = workflow.expression.getSimpleParameterValue(
			node,
			parameterValue,
			'internal',
			additionalKeys,
			undefined,
			'',
		);
		if (!returnValue) return '';
		return returnValue.toString();
	}

	/**
	 * Runs `preAuthentication` when the credential type has an expirable hidden property that is
	 * empty or expired (or when testing credentials), and stores what it returns.
	 * @param {any} helpers
	 * @param {CredentialData} credentials
	 * @param {string} typeName
	 * @param {any} node
	 * @param {boolean} credentialsExpired
	 */
	async preAuthentication(helpers, credentials, typeName, node, credentialsExpired) {
		const credentialType = this.credentialTypes.getByName(typeName);
		const expirableProperty = (credentialType.properties ?? []).find(
			(/** @type {any} */ property) =>
				property.type === 'hidden' && property?.typeOptions?.expirable === true,
		);
		if (expirableProperty?.name === undefined) return undefined;

		const isTestingCredentials =
			node?.parameters?.temp === '' && node?.type === 'n8n-nodes-base.noOp';

		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		if (credentials[expirableProperty.name] === '' || credentialsExpired || isTestingCredentials) {
			const output = await credentialType.preAuthentication.call(helpers, credentials);
			if (output?.[expirableProperty.name] === undefined) return undefined;
			if (node?.credentials) {
				const nodeCredentials = node.credentials[credentialType.name];
				const stored = await (
					await this.getCredentials(nodeCredentials, credentialType.name)
				).getData();
				await this.updateCredentials(nodeCredentials, credentialType.name, {
					...stored,
					...output,
				});
				return Object.assign(credentials, output);
			}
		}
		return undefined;
	}

	/**
	 * Calls the credential type's `preAuthentication` without the expiry guard (used by n8n-core
	 * for OAuth2 token transformation on every request).
	 * @param {any} helpers
	 * @param {CredentialData} credentials
	 * @param {string} typeName
	 */
	async runPreAuthentication(helpers, credentials, typeName) {
		const credentialType = this.credentialTypes.getByName(typeName);
		if (typeof credentialType.preAuthentication !== 'function') return undefined;
		const output = await credentialType.preAuthentication.call(helpers, credentials);
		return output ?? undefined;
	}

	/**
	 * @param {{ id?: string | null, name: string }} nodeCredentials
	 * @param {string} type
	 */
	async getCredentials(nodeCredentials, type) {
		const data = this.store[type];
		if (data === undefined) {
			throw new UnexpectedError(`The harness was given no credentials of type "${type}"`, {
				extra: { credentialType: type, credentialName: nodeCredentials?.name },
			});
		}
		return new PlainCredentials(
			{ id: nodeCredentials?.id ?? null, name: nodeCredentials?.name ?? type },
			type,
			data,
			(saved) => {
				this.store[type] = saved;
			},
		);
	}

	/**
	 * The decrypted credential data: what runWorkflow() was given, with the credential type's
	 * defaults for missing properties and expressions in values resolved.
	 * @param {any} additionalData
	 * @param {{ id?: string | null, name: string }} nodeCredentials
	 * @param {string} type
	 * @param {string} mode
	 * @param {any} [executeData]
	 * @param {boolean} [raw]
	 * @param {any} [expressionResolveValues]
	 */
	async getDecrypted(
		additionalData,
		nodeCredentials,
		type,
		mode,
		executeData,
		raw,
		expressionResolveValues,
	) {
		const original = await (await this.getCredentials(nodeCredentials, type)).getData();
		this.accessLog.push({
			type,
			node: expressionResolveValues?.node?.name ?? executeData?.node?.name,
		});
		if (raw === true) return original;
		return await this.applyDefaultsAndOverwrites(
			additionalData,
			original,
			type,
			mode,
			executeData,
			expressionResolveValues,
		);
	}

	/**
	 * Adds the credential type's default values and resolves expressions, as the app does
	 * (minus credential overwrites, which are instance configuration).
	 * @param {any} additionalData
	 * @param {CredentialData} decryptedDataOriginal
	 * @param {string} type
	 * @param {any} mode a WorkflowExecuteMode
	 * @param {any} [executeData]
	 * @param {any} [expressionResolveValues]
	 */
	async applyDefaultsAndOverwrites(
		additionalData,
		decryptedDataOriginal,
		type,
		mode,
		executeData,
		expressionResolveValues,
	) {
		const credentialsProperties = this.getCredentialsProperties(type);
		/** @type {CredentialData} */
		let decryptedData = NodeHelpers.getNodeParameters(
			credentialsProperties,
			{ ...decryptedDataOriginal },
			true,
			false,
			null,
			null,
		);
		if (decryptedDataOriginal.oauthTokenData !== undefined) {
			decryptedData.oauthTokenData = decryptedDataOriginal.oauthTokenData;
		}
		for (const key of ['allowedHttpRequestDomains', 'allowedDomains']) {
			if (decryptedData[key] === undefined && decryptedDataOriginal[key] !== undefined) {
				decryptedData[key] = decryptedDataOriginal[key];
			}
		}

		if (!hasExpression(decryptedData)) return decryptedData;

		const additionalKeys = core.getAdditionalKeys(additionalData ?? {}, mode, null, {
			isCredential: true,
		});
		if (expressionResolveValues) {
			try {
				decryptedData = expressionResolveValues.workflow.expression.getParameterValue(
					decryptedData,
					expressionResolveValues.runExecutionData,
					expressionResolveValues.runIndex,
					expressionResolveValues.itemIndex,
					expressionResolveValues.node.name,
					expressionResolveValues.connectionInputData,
					mode,
					additionalKeys,
					executeData,
					false,
					decryptedData,
				);
			} catch (e) {
				/** @type {Error} */ (e).message += ' [Error resolving credentials]';
				throw e;
			}
		} else {
			const workflow = new Workflow({
				nodes: [structuredClone(mockNode)],
				connections: {},
				active: false,
				nodeTypes: mockNodeTypes,
			});
			const acquired = await workflow.expression.acquireIsolate?.();
			try {
				decryptedData = workflow.expression.getComplexParameterValue(
					mockNode,
					decryptedData,
					mode,
					additionalKeys,
					undefined,
					undefined,
					decryptedData,
				);
			} finally {
				if (acquired) await workflow.expression.releaseIsolate?.();
			}
		}
		return decryptedData;
	}

	/**
	 * @param {{ id?: string | null, name: string }} nodeCredentials
	 * @param {string} type
	 * @param {CredentialData} data
	 */
	async updateCredentials(nodeCredentials, type, data) {
		this.store[type] = structuredClone(data);
		this.updates.push({ type, data: structuredClone(data) });
	}

	/**
	 * @param {{ id?: string | null, name: string }} nodeCredentials
	 * @param {string} type
	 * @param {CredentialData} data
	 */
	async updateCredentialsOauthTokenData(nodeCredentials, type, data) {
		const next = { ...(this.store[type] ?? {}), oauthTokenData: data.oauthTokenData };
		await this.updateCredentials(nodeCredentials, type, next);
	}

	/**
	 * The credential type's properties, including those of the types it extends.
	 * @param {string} type
	 * @returns {any[]}
	 */
	getCredentialsProperties(type) {
		const credentialTypeData = this.credentialTypes.getByName(type);
		if (credentialTypeData === undefined) {
			throw new UnexpectedError('Unknown credential type', { tags: { credentialType: type } });
		}
		if (credentialTypeData.extends === undefined) {
			if (['oAuth1Api', 'oAuth2Api'].includes(type)) {
				return [
					...credentialTypeData.properties,
					{
						displayName: 'oauthTokenData',
						name: 'oauthTokenData',
						type: 'json',
						required: false,
						default: {},
					},
				];
			}
			return credentialTypeData.properties;
		}
		/** @type {any[]} */
		const combined = [];
		for (const parent of credentialTypeData.extends) {
			NodeHelpers.mergeNodeProperties(combined, this.getCredentialsProperties(parent));
		}
		NodeHelpers.mergeNodeProperties(combined, credentialTypeData.properties);
		return combined;
	}
}

/** @param {unknown} value @returns {boolean} */
function hasExpression(value) {
	if (typeof value === 'string') return isExpression(value);
	if (Array.isArray(value)) return value.some(hasExpression);
	if (value && typeof value === 'object') return Object.values(value).some(hasExpression);
	return false;
}
