#!/usr/bin/env bash
# End to end on a real cluster: k3d (k3s in Docker) + the argocd/ bootstrap + the platform image, then
# the store life cycle through the public API (sign up → create → Ready over HTTPS → delete → gone).
#
# NOT RUN BY CI, and never run by this project so far: it needs Docker, k3d, kubectl, jq, network
# access to GitHub and the chart repositories, and two GitHub repos you can push to. What CI checks
# instead (the manifests, charts, rules and dashboards, with the real tools that run without a
# cluster) is listed at the top of docs/operations.md.
#
# The vitest e2e suite (api/src/features/provisioning/pipeline.e2e.test.ts) drives the sim through its
# harness and cannot yet target a deployed platform; the checks below are its black-box core.
#
# Required:
#   E2E_PLATFORM_REPO   https URL of your fork of this repo (Argo CD syncs argocd/ from it)
#   E2E_GITOPS_REPO     https URL of an empty repo for the stores
#   E2E_GITHUB_TOKEN    a token that can push to both
# Optional: E2E_CLUSTER (default store-platform-e2e), E2E_KEEP=1 to keep the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${E2E_PLATFORM_REPO:?}" "${E2E_GITOPS_REPO:?}" "${E2E_GITHUB_TOKEN:?}"
CLUSTER=${E2E_CLUSTER:-store-platform-e2e}
BRANCH="e2e/$(date -u +%Y%m%d%H%M%S)"
DOMAIN=127.0.0.1.nip.io            # resolves to the k3d load balancer on this machine
IMAGE=ghcr.io/store-platform/store-platform:0.1.0
say() { printf '\ne2e: %s\n' "$*"; }
for tool in docker k3d kubectl jq git curl; do command -v $tool >/dev/null || { echo "e2e: $tool is required" >&2; exit 2; }; done

say "1. a branch of the fork pointing at itself, with a self-signed issuer (Let's Encrypt cannot reach k3d)"
ROOT=$(pwd); work=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$work/repo" 2>/dev/null; rm -rf "$work"; [ "${E2E_KEEP:-}" = 1 ] || k3d cluster delete "$CLUSTER" >/dev/null 2>&1 || true' EXIT
git worktree add -q "$work/repo" HEAD && cd "$work/repo"
grep -rl 'https://github.com/store-platform/store-platform.git' argocd | xargs sed -i "s#https://github.com/store-platform/store-platform.git#$E2E_PLATFORM_REPO#"
grep -rl 'https://github.com/store-platform/gitops.git' argocd | xargs sed -i "s#https://github.com/store-platform/gitops.git#$E2E_GITOPS_REPO#"
grep -rl 'targetRevision: main' argocd/apps argocd/bootstrap | xargs sed -i "s#targetRevision: main#targetRevision: $BRANCH#"
grep -rl 'example.com' argocd | xargs sed -i "s/example\.com/$DOMAIN/g"
sed -i 's/letsencrypt-prod/e2e-selfsigned/g' argocd/values/store-platform.yaml
printf -- '---\napiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata:\n  name: e2e-selfsigned\nspec:\n  selfSigned: {}\n' >> argocd/manifests/cluster-issuers/cluster-issuers.yaml
git -c user.name=e2e -c user.email=e2e@localhost commit -qam "e2e: cluster $CLUSTER"
git push -q "https://x-access-token:$E2E_GITHUB_TOKEN@${E2E_PLATFORM_REPO#https://}" "HEAD:refs/heads/$BRANCH"

say "2. k3d cluster (k3s with Traefik) and the platform image"
k3d cluster create "$CLUSTER" --agents 1 -p '80:80@loadbalancer' -p '443:443@loadbalancer' --wait
docker build -t "$IMAGE" .
k3d image import -c "$CLUSTER" "$IMAGE"

say "3. the one-time bootstrap; Argo CD takes over"
kubectl apply -k argocd/bootstrap
kubectl -n argocd wait --for=condition=Available deploy/argocd-server --timeout=15m
kubectl create namespace store-platform --dry-run=client -o yaml | kubectl apply -f -
kubectl -n store-platform create secret generic store-platform-secrets \
  --from-literal=JWT_SECRET="$(openssl rand -base64 48)" --from-literal=SECRETS_ENCRYPTION_KEY="$(openssl rand -base64 32)" \
  --from-literal=GITOPS_TOKEN="$E2E_GITHUB_TOKEN" --dry-run=client -o yaml | kubectl apply -f -
for app in cert-manager sealed-secrets cloudnative-pg kube-prometheus-stack cluster-issuers store-platform; do
  until [ "$(kubectl -n argocd get application $app -o jsonpath='{.status.health.status}' 2>/dev/null)" = Healthy ]; do sleep 10; done
  echo "  $app Healthy"
done
kubectl -n store-platform rollout status deploy/store-platform-api --timeout=10m

say "4. the store life cycle through the public API"
API="https://platform.$DOMAIN"; C=(curl -sfk -H 'content-type: application/json')
"${C[@]}" "$API/readyz" | jq -e '.status == "ready"'
curl -s -o /dev/null -w '%{http_code} %{redirect_url}\n' "http://platform.$DOMAIN/" | grep -q '^30[178] https://' && echo "  HTTP redirects to HTTPS"
"${C[@]}" "$API/api/v1/auth/register" -d '{"email":"ops@e2e.test","password":"a long enough password"}' >/dev/null
TOKEN=$("${C[@]}" "$API/api/v1/auth/login" -d '{"email":"ops@e2e.test","password":"a long enough password"}' | jq -r .accessToken)
A=(-H "authorization: Bearer $TOKEN")
ID=$("${C[@]}" "${A[@]}" "$API/api/v1/stores" -d '{"name":"e2e-shop"}' | jq -r .id)
for _ in $(seq 1 90); do
  STATUS=$("${C[@]}" "${A[@]}" "$API/api/v1/stores/$ID" | jq -r .status); [ "$STATUS" = Pending ] || break; sleep 10
done
[ "$STATUS" = Ready ] || { echo "e2e: store $ID is $STATUS"; kubectl -n argocd get application "store-$ID" -o yaml; exit 1; }
URL=$("${C[@]}" "${A[@]}" "$API/api/v1/stores/$ID" | jq -r .url)
curl -sfk "$URL/" | grep -qi woocommerce && echo "  $URL serves WooCommerce"
"${C[@]}" "${A[@]}" -X DELETE "$API/api/v1/stores/$ID" -o /dev/null
until [ "$(curl -sk -o /dev/null -w '%{http_code}' "${A[@]}" "$API/api/v1/stores/$ID")" = 404 ]; do sleep 10; done
until ! kubectl get namespace "store-$ID" >/dev/null 2>&1; do sleep 5; done
say "passed: store $ID created, Ready over HTTPS, deleted, its namespace gone"
