#!/usr/bin/env bash
# Offline checks of the deployment files (deploy/Dockerfile, .dockerignore, deploy/compose.yaml, deploy/compose/,
# deploy/k8s/). Builds no image and needs no Docker engine or cluster: it parses and cross-checks the files, renders
# the kustomization, runs `nginx -t` on the balancer's config and drives that config on loopback against three stub
# upstreams. Tools that are missing are reported as SKIP. Exits non-zero if any check fails.
#   bash deploy/check-deploy.sh
# Over 400 lines: one independent check after another, one group per deployment file; none depends on another's state.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deploy="$root/deploy"
tmp="$(mktemp -d)"
log="$tmp/results.log"
started=()   # PIDs this script started (stopped on exit, one by one)
cleanup() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT
touch "$log"
pass() { echo "PASS  $*" | tee -a "$log"; }
fail() { echo "FAIL  $*" | tee -a "$log"; }
skip() { echo "SKIP  $*" | tee -a "$log"; }
have() { command -v "$1" >/dev/null 2>&1; }

echo "== tools"
python_ok=""
if have python3; then
  if python3 -c 'import yaml' 2>/dev/null; then python_ok=1; echo "python3 with PyYAML: $(python3 -c 'import yaml; print(yaml.__version__)')"
  else skip "python3 has no PyYAML (import yaml): YAML parsing and the structural checks of compose, k8s and Dockerfile are not run"; fi
else
  skip "no python3: YAML parsing, the structural checks and the nginx behaviour test are not run"
fi
for t in kubectl kubeconform docker docker-compose hadolint nginx; do
  if have "$t"; then echo "found $t: $(command -v "$t")"; else echo "not found: $t"; fi
done

# ---------------------------------------------------------------------------------------------------------------
if [ -n "$python_ok" ]; then
  echo "== YAML, compose, k8s and Dockerfile (python3)"
  python3 - "$root" <<'PY' | tee -a "$log"
import fnmatch, glob, ipaddress, os, re, sys
import yaml

root = sys.argv[1]
deploy = os.path.join(root, "deploy")
def rel(p): return os.path.relpath(p, root)
def ok(m): print(f"PASS  {m}")
def bad(m): print(f"FAIL  {m}")
def warn(m): print(f"WARN  {m}")
def check(cond, m):
    ok(m) if cond else bad(m)
    return cond

class StrictLoader(yaml.SafeLoader):
    """Safe loading that refuses duplicate keys (Compose and Kubernetes reject them; PyYAML keeps the last)."""
def _mapping(loader, node, deep=False):
    seen = set()
    for k, _ in node.value:
        if k.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(k, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", k.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)
StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                             lambda l, n: _mapping(l, n, deep=True))

# ---- every YAML file parses -------------------------------------------------------------------------------------
docs = {}
for path in sorted(glob.glob(os.path.join(deploy, "**", "*.y*ml"), recursive=True)):
    try:
        with open(path) as f:
            docs[path] = [d for d in yaml.load_all(f, Loader=StrictLoader) if d is not None]
        ok(f"YAML parses: {rel(path)} ({len(docs[path])} document(s))")
    except yaml.YAMLError as e:
        bad(f"YAML parses: {rel(path)}: {e}")

def envfile(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v
    return out

# ---- Dockerfile ---------------------------------------------------------------------------------------------------
dockerfile = os.path.join(deploy, "Dockerfile")
instructions, image_healthcheck = [], False
server_dll, cli_dll = "Liberterra.Command.Server.dll", "liberterra.dll"
if check(os.path.isfile(dockerfile), "deploy/Dockerfile exists"):
    text = open(dockerfile).read()
    logical, buf = [], ""
    for line in text.splitlines():
        s = line.strip()
        if not buf and (not s or s.startswith("#")):
            continue
        if buf and s.startswith("#"):
            continue
        if s.endswith("\\"):
            buf += s[:-1] + " "
            continue
        logical.append(buf + s); buf = ""
    known = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR",
             "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
    instructions = [(l.split(None, 1)[0].upper(), l.split(None, 1)[1] if " " in l else "") for l in logical]
    unknown = [i for i, _ in instructions if i not in known]
    check(not unknown and instructions and instructions[0][0] in ("FROM", "ARG"),
          f"Dockerfile: {len(instructions)} instructions, all known, starts with FROM" + (f" (unknown: {unknown})" if unknown else ""))
    stages = [re.split(r"\s+", a)[2].lower() for i, a in instructions if i == "FROM" and re.search(r"\s+AS\s+", a, re.I)]
    froms = [a.split()[0] for i, a in instructions if i == "FROM"]
    check(froms and froms[0].startswith("mcr.microsoft.com/dotnet/sdk:10.0") and froms[-1].startswith("mcr.microsoft.com/dotnet/aspnet:10.0"),
          f"Dockerfile: builds on dotnet/sdk:10.0, runs on dotnet/aspnet:10.0 ({' -> '.join(froms)})")
    ignore = []
    di = os.path.join(root, ".dockerignore")
    if check(os.path.isfile(di), ".dockerignore exists at the repository root"):
        ignore = [l.strip().rstrip("/") for l in open(di) if l.strip() and not l.startswith("#")]
        for must in ["**/bin", "**/obj", "**/node_modules", ".data", "artifacts", ".git"]:
            check(must in ignore, f".dockerignore excludes {must}")
    def ignored(p):
        parts = p.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            for pat in ignore:
                if fnmatch.fnmatch(prefix, pat) or (pat.startswith("**/") and fnmatch.fnmatch(parts[i - 1], pat[3:])):
                    return True
        return False
    copied = set()
    for ins, args in instructions:
        if ins not in ("COPY", "ADD"):
            continue
        words = [w for w in args.split() if not w.startswith("--")]
        frm = re.search(r"--from=(\S+)", args)
        if frm:
            check(frm.group(1).lower() in stages, f"Dockerfile: COPY --from={frm.group(1)} names a stage ({', '.join(stages)})")
            continue
        for src in words[:-1]:
            check(os.path.exists(os.path.join(root, src)) and not ignored(src),
                  f"Dockerfile: COPY source exists and .dockerignore keeps it: {src}")
            copied.add(os.path.normpath(src))
    runs = " ".join(a for i, a in instructions if i == "RUN")
    # What the image publishes and every project those reference: the restore layer should list exactly those.
    published = re.findall(r"dotnet publish (\S+\.csproj)", runs)
    listed, todo = set(), [os.path.normpath(p) for p in published]
    while todo:
        proj = todo.pop()
        if proj in listed or not os.path.isfile(os.path.join(root, proj)):
            continue
        listed.add(proj)
        for ref in re.findall(r'<ProjectReference Include="([^"]+)"', open(os.path.join(root, proj)).read()):
            todo.append(os.path.normpath(os.path.join(os.path.dirname(proj), ref.replace("\\", "/"))))
    missing = sorted(p for p in listed if p not in copied)
    if missing:
        warn(f"Dockerfile: the restore layer does not list {missing} (publish still restores them; the cache is less useful)")
    else:
        ok(f"Dockerfile: the restore layer lists every project the image publishes or references ({len(listed)})")
    # The benchmark harness writes straight to the database (bench timeline): a tool for test deployments, not shipped.
    check(not any("Liberterra.Command.Bench" in p for p in published),
          "Dockerfile: the image does not publish the benchmark harness (liberterra-bench)")
    check(re.search(r"apt-get install[^&]*\bnodejs\b[^&]*\bnpm\b", runs) is not None, "Dockerfile: installs nodejs and npm for the server's npm ci")
    check(os.path.isfile(os.path.join(root, "src/Liberterra.Command.Server/npm/package-lock.json")),
          "src/Liberterra.Command.Server/npm/package-lock.json exists (npm ci needs it)")
    def assembly(csproj):
        m = re.search(r"<AssemblyName>([^<]+)</AssemblyName>", open(os.path.join(root, csproj)).read())
        return m.group(1) if m else os.path.splitext(os.path.basename(csproj))[0]
    for proj in re.findall(r"dotnet publish (\S+\.csproj)", runs):
        check(os.path.isfile(os.path.join(root, proj)) and "-o /app" in runs, f"Dockerfile: publishes {proj} to /app")
    server_dll = assembly("src/Liberterra.Command.Server/Liberterra.Command.Server.csproj") + ".dll"
    cli_dll = assembly("src/Liberterra.Command.Cli/Liberterra.Command.Cli.csproj") + ".dll"
    entry = [a for i, a in instructions if i == "ENTRYPOINT"]
    check(entry and server_dll in entry[-1] and "dotnet" in entry[-1], f"Dockerfile: ENTRYPOINT runs {server_dll} (the server's AssemblyName)")
    expose = " ".join(a for i, a in instructions if i == "EXPOSE").split()
    check(all(p in expose for p in ("8080", "11111", "30000")), f"Dockerfile: EXPOSE 8080 11111 30000 ({' '.join(expose)})")
    users = [a for i, a in instructions if i == "USER"]
    check(users and users[-1] not in ("root", "0"), f"Dockerfile: runs as a non-root user (USER {users[-1] if users else '-'})")
    envs = " ".join(a for i, a in instructions if i == "ENV")
    check("ASPNETCORE_URLS=http://+:8080" in envs, "Dockerfile: ASPNETCORE_URLS=http://+:8080")
    hc = [a for i, a in instructions if i == "HEALTHCHECK"]
    image_healthcheck = bool(hc) and "/health/ready" in hc[-1]
    if hc:
        check(image_healthcheck, "Dockerfile: HEALTHCHECK asks /health/ready")

# The health endpoints the files rely on exist in the server.
health = os.path.join(root, "src/Liberterra.Command.Server/Hosting/Health.cs")
htext = open(health).read() if os.path.isfile(health) else ""
check('"/health/live"' in htext and '"/health/ready"' in htext, "the server maps /health/live and /health/ready (Hosting/Health.cs)")
server_src = "".join(open(p).read() for p in glob.glob(os.path.join(root, "src", "Liberterra.Command.Server", "**", "*.cs"), recursive=True))
for key in ("ClusterId", "ServiceId", "SiloPort", "GatewayPort", "AdvertisedAddress"):
    check(re.search(rf"public \S+ {key} \{{ get; set; \}}", server_src) is not None, f"the server has the setting Silo:{key}")
if "UseKubernetesHosting" not in server_src:
    warn("deploy/k8s sets Silo__Kubernetes=true but the server does not call UseKubernetesHosting() yet "
         "(and does not reference Microsoft.Orleans.Hosting.Kubernetes): until it does, the pods cluster through "
         "PostgreSQL alone and the RBAC is unused")

# ---- compose ------------------------------------------------------------------------------------------------------
compose_path = os.path.join(deploy, "compose.yaml")
compose = (docs.get(compose_path) or [None])[0]
if check(isinstance(compose, dict), "deploy/compose.yaml is a mapping"):
    services = compose.get("services") or {}
    nets = compose.get("networks") or {}
    vols = compose.get("volumes") or {}
    want = ["postgres", "migrate", "silo1", "silo2", "silo3", "balancer"]
    check(all(s in services for s in want), f"compose: services {', '.join(want)} (has: {', '.join(services)})")
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    app_image = None
    for name, svc in services.items():
        if "build" in svc:
            b = svc["build"]
            ctx = os.path.normpath(os.path.join(deploy, b.get("context", ".")))
            check(os.path.isfile(os.path.join(ctx, b.get("dockerfile", "Dockerfile"))),
                  f"compose: {name}.build context {rel(ctx) or '.'} + dockerfile {b.get('dockerfile')} exists")
            app_image = svc.get("image")
        if "image" not in svc and "build" not in svc:
            bad(f"compose: {name} has neither an image nor a build")
        deps = svc.get("depends_on") or {}
        if isinstance(deps, list):
            deps = {d: {"condition": "service_started"} for d in deps}
        for dep, spec in deps.items():
            cond = (spec or {}).get("condition", "service_started")
            check(dep in services and cond in conditions, f"compose: {name} depends_on {dep} ({cond}) which is defined")
            if cond == "service_healthy" and dep in services:
                d = services[dep]
                has_hc = ("healthcheck" in d and not d["healthcheck"].get("disable")) or (
                    d.get("image") == app_image and image_healthcheck and not (d.get("healthcheck") or {}).get("disable"))
                check(has_hc, f"compose: {dep} has a healthcheck (own or the image's) for {name}'s service_healthy")
        snets = svc.get("networks") or []
        for n in (snets if isinstance(snets, list) else snets.keys()):
            check(n in nets, f"compose: {name} uses network {n}, which is defined")
        for v in svc.get("volumes") or []:
            src = v.split(":")[0] if isinstance(v, str) else v.get("source", "")
            if src.startswith((".", "/")):
                check(os.path.exists(os.path.normpath(os.path.join(deploy, src))), f"compose: {name} bind-mounts {src}, which exists")
            else:
                check(src in vols, f"compose: {name} uses volume {src}, which is defined")
        ef = svc.get("env_file")
        for e in ([ef] if isinstance(ef, str) else ef or []):
            e = e if isinstance(e, str) else e["path"]
            p = os.path.join(deploy, e)
            check(os.path.isfile(p) or os.path.isfile(p + ".example"), f"compose: {name} env_file {e} (or {e}.example) exists")
    # dependency cycles
    def deps_of(s):
        d = services[s].get("depends_on") or {}
        return list(d) if isinstance(d, (list, dict)) else []
    seen, stack, cyclic = set(), set(), []
    def visit(s):
        if s in stack: cyclic.append(s); return
        if s in seen or s not in services: return
        stack.add(s); [visit(d) for d in deps_of(s)]; stack.discard(s); seen.add(s)
    for s in services: visit(s)
    check(not cyclic, "compose: depends_on has no cycle")
    # the application services
    mig = services.get("migrate", {})
    check(mig.get("restart") == "no", "compose: migrate has restart \"no\" (a string, not YAML's false)")
    check(mig.get("entrypoint") == ["dotnet", cli_dll, "db", "migrate"], f"compose: migrate runs dotnet {cli_dll} db migrate (the CLI's AssemblyName)")
    check((mig.get("depends_on") or {}).get("postgres", {}).get("condition") == "service_healthy", "compose: migrate waits for postgres healthy")
    pg = services.get("postgres", {})
    check(str(pg.get("image", "")).startswith("postgres:15") and "pg_isready" in " ".join(map(str, (pg.get("healthcheck") or {}).get("test", []))),
          "compose: postgres:15 with a pg_isready healthcheck")
    silos = [s for s in services if re.fullmatch(r"silo\d+", s)]
    addresses, hostnames, ids = {}, set(), set()
    for s in silos:
        svc = services[s]
        env = svc.get("environment") or {}
        check((svc.get("depends_on") or {}).get("migrate", {}).get("condition") == "service_completed_successfully",
              f"compose: {s} waits for migrate to complete successfully")
        check(svc.get("image") == app_image, f"compose: {s} runs the image migrate builds ({app_image})")
        hostnames.add(svc.get("hostname"))
        ids.add((env.get("Silo__ClusterId"), env.get("Silo__ServiceId")))
        check(str(env.get("Silo__SiloPort")) == "11111" and str(env.get("Silo__GatewayPort")) == "30000", f"compose: {s} silo/gateway ports 11111/30000")
        for n, spec in (svc.get("networks") or {}).items() if isinstance(svc.get("networks"), dict) else []:
            ip = (spec or {}).get("ipv4_address")
            if ip:
                addresses[s] = ip
                check(env.get("Silo__AdvertisedAddress") == ip, f"compose: {s} advertises its static address {ip}")
                cfgs = ((nets.get(n) or {}).get("ipam") or {}).get("config") or []
                inside = any(ipaddress.ip_address(ip) in ipaddress.ip_network(c["subnet"]) for c in cfgs if "subnet" in c)
                in_range = any(ipaddress.ip_address(ip) in ipaddress.ip_network(c["ip_range"]) for c in cfgs if "ip_range" in c)
                check(inside and not in_range, f"compose: {s} address {ip} is in network {n}'s subnet and outside its dynamic ip_range")
        check(s in addresses, f"compose: {s} has a static ipv4_address")
    check(len(set(addresses.values())) == len(silos) and len(hostnames) == len(silos) and None not in hostnames,
          f"compose: silos have distinct hostnames and addresses ({', '.join(sorted(map(str, hostnames)))})")
    check(len(ids) == 1 and None not in next(iter(ids)), f"compose: every silo has the same ClusterId/ServiceId {sorted(ids)}")
    envs = {}
    for e in ("liberterra.env", "postgres.env"):
        p = os.path.join(deploy, "compose", e + ".example")
        envs[e] = envfile(p) if os.path.isfile(p) else {}
    lib, pgenv = envs["liberterra.env"], envs["postgres.env"]
    check("ConnectionStrings__Liberterra" in lib and "Auth__SigningKey" in lib and "POSTGRES_PASSWORD" in pgenv,
          "compose: the env examples define ConnectionStrings__Liberterra, Auth__SigningKey and POSTGRES_PASSWORD")
    cs = dict(kv.split("=", 1) for kv in lib.get("ConnectionStrings__Liberterra", "").split(";") if "=" in kv)
    check(cs.get("Host") == "postgres" and cs.get("Password") == pgenv.get("POSTGRES_PASSWORD")
          and cs.get("Username") == pg.get("environment", {}).get("POSTGRES_USER") and cs.get("Database") == pg.get("environment", {}).get("POSTGRES_DB"),
          "compose: the example connection string matches the postgres service (host, user, database, password)")
    gi = os.path.join(deploy, "compose", ".gitignore")
    check(os.path.isfile(gi) and "*.env" in open(gi).read().split(), "compose: the real env files are git-ignored (deploy/compose/.gitignore)")
    bal = services.get("balancer", {})
    check(str(bal.get("image", "")).startswith("nginx:1.22") and any(str(p).endswith(":8080") for p in bal.get("ports", [])),
          "compose: balancer is nginx:1.22 and publishes port 8080")
    ngx = os.path.join(deploy, "compose", "nginx.conf")
    if os.path.isfile(ngx):
        conf = open(ngx).read()
        blocks = dict(re.findall(r"^\s*upstream\s+(\w+)\s*\{(.*?)\}", conf, re.M | re.S))
        for name in ("liberterra", "liberterra_hubs"):
            ups = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", blocks.get(name, ""), re.M)
            check(sorted(h for h, _ in ups) == sorted(silos) and all(p == "8080" for _, p in ups),
                  f"nginx.conf: the upstream {name} lists exactly the silo services on 8080 ({', '.join(h + ':' + p for h, p in ups)})")
        check("hash $lt_affinity" in blocks.get("liberterra_hubs", "") and "hash" not in blocks.get("liberterra", ""),
              "nginx.conf: the hubs' upstream hashes on the affinity cookie, the API's does not")
        check(all(re.search(r"^\s*zone\s+\w+\s+\d+k;", blocks.get(n, ""), re.M) for n in ("liberterra", "liberterra_hubs")),
              "nginx.conf: both upstreams have a shared zone (one rotation and one record of failed silos for every worker)")

# ---- Kubernetes -----------------------------------------------------------------------------------------------------
k8s = os.path.join(deploy, "k8s")
objs = []
for path, ds in docs.items():
    if os.path.dirname(path) == k8s and os.path.basename(path) != "kustomization.yaml":
        objs += [(os.path.basename(path), d) for d in ds]
api = {"Namespace": "v1", "Secret": "v1", "ConfigMap": "v1", "ServiceAccount": "v1", "Service": "v1",
       "Role": "rbac.authorization.k8s.io/v1", "RoleBinding": "rbac.authorization.k8s.io/v1", "Job": "batch/v1",
       "Deployment": "apps/v1", "Ingress": "networking.k8s.io/v1", "PodDisruptionBudget": "policy/v1"}
by = {}
for f, o in objs:
    kind, name = o.get("kind"), (o.get("metadata") or {}).get("name")
    check(kind in api and o.get("apiVersion") == api[kind] and name, f"k8s: {f}: {o.get('apiVersion')} {kind} {name}")
    by[(kind, name)] = o
kz = (docs.get(os.path.join(k8s, "kustomization.yaml")) or [{}])[0]
files = sorted(os.path.basename(p) for p in glob.glob(os.path.join(k8s, "*.yaml")) if not p.endswith("kustomization.yaml"))
check(sorted(kz.get("resources", [])) == files, f"k8s: kustomization.yaml lists every manifest ({len(files)})")
kinds = {k for k, _ in by}
check(set(api) <= kinds, f"k8s: has every kind needed ({', '.join(sorted(set(api) - kinds)) or 'none missing'})")
def one(kind):
    return next((o for (k, _), o in by.items() if k == kind), {})
def subset(sel, labels): return bool(sel) and all(labels.get(k) == v for k, v in sel.items())
dep, svc, pdb, job, ing = one("Deployment"), one("Service"), one("PodDisruptionBudget"), one("Job"), one("Ingress")
pod = (dep.get("spec") or {}).get("template") or {}
labels = (pod.get("metadata") or {}).get("labels") or {}
spec = pod.get("spec") or {}
check(dep.get("spec", {}).get("replicas") == 3, "k8s: Deployment has 3 replicas")
check(labels.get("orleans/serviceId") == "liberterra-command" and labels.get("orleans/clusterId") == "liberterra",
      "k8s: pods labelled orleans/serviceId=liberterra-command, orleans/clusterId=liberterra")
check(subset(dep.get("spec", {}).get("selector", {}).get("matchLabels"), labels), "k8s: Deployment selector matches its pod labels")
check(subset(svc.get("spec", {}).get("selector"), labels), "k8s: Service selector matches the silo pods")
check(subset(pdb.get("spec", {}).get("selector", {}).get("matchLabels"), labels) and pdb["spec"].get("minAvailable") == 2,
      "k8s: PodDisruptionBudget minAvailable 2 selects the silo pods")
check(svc.get("spec", {}).get("sessionAffinity") == "ClientIP", "k8s: Service sessionAffinity ClientIP")
check(spec.get("terminationGracePeriodSeconds") == 30, "k8s: terminationGracePeriodSeconds 30")
sa = spec.get("serviceAccountName")
check(("ServiceAccount", sa) in by, f"k8s: serviceAccountName {sa} is defined")
rb = one("RoleBinding")
check(rb.get("roleRef", {}).get("name") in {n for k, n in by if k == "Role"}
      and any(s.get("kind") == "ServiceAccount" and s.get("name") == sa for s in rb.get("subjects", [])),
      "k8s: RoleBinding binds the silos' ServiceAccount to the Role")
verbs = {v for r in one("Role").get("rules", []) if "pods" in r.get("resources", []) and "" in r.get("apiGroups", []) for v in r.get("verbs", [])}
check({"get", "list", "watch", "delete"} <= verbs, f"k8s: Role allows get/list/watch/delete on pods ({', '.join(sorted(verbs))})")
cms = {n for k, n in by if k == "ConfigMap"}; secs = {n for k, n in by if k == "Secret"}
for c in spec.get("initContainers", []) + spec.get("containers", []) + job.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
    for ef in c.get("envFrom", []):
        if "configMapRef" in ef: check(ef["configMapRef"]["name"] in cms, f"k8s: {c['name']} envFrom ConfigMap {ef['configMapRef']['name']} is defined")
        if "secretRef" in ef: check(ef["secretRef"]["name"] in secs, f"k8s: {c['name']} envFrom Secret {ef['secretRef']['name']} is defined")
silo = next((c for c in spec.get("containers", []) if c.get("name") == "silo"), {})
env = {e["name"]: e for e in silo.get("env", [])}
def field(n): return ((env.get(n) or {}).get("valueFrom") or {}).get("fieldRef", {}).get("fieldPath")
check(field("POD_NAME") == "metadata.name" and field("POD_NAMESPACE") == "metadata.namespace" and field("POD_IP") == "status.podIP",
      "k8s: POD_NAME, POD_NAMESPACE, POD_IP from the downward API")
check(field("Silo__AdvertisedAddress") == "status.podIP", "k8s: Silo__AdvertisedAddress is the pod IP")
for n in ("Silo__ClusterId", "Silo__ServiceId", "ORLEANS_CLUSTER_ID", "ORLEANS_SERVICE_ID"):
    m = re.fullmatch(r"metadata\.labels\['([^']+)'\]", field(n) or "")
    check(m is not None and m.group(1) in labels, f"k8s: {n} comes from an existing pod label ({field(n)})")
cm = next((o for (k, _), o in by.items() if k == "ConfigMap"), {})
check(cm.get("data", {}).get("Silo__Kubernetes") == "true", "k8s: ConfigMap sets Silo__Kubernetes=true")
check(all(isinstance(v, str) for o in (cm, one("Secret")) for v in (o.get("data") or o.get("stringData") or {}).values()),
      "k8s: ConfigMap and Secret values are strings")
ports = {p.get("name"): p.get("containerPort") for p in silo.get("ports", [])}
check(sorted(ports.values()) == [8080, 11111, 30000], f"k8s: silo ports 8080/11111/30000 ({ports})")
for probe, path in (("readinessProbe", "/health/ready"), ("livenessProbe", "/health/live"), ("startupProbe", None)):
    g = (silo.get(probe) or {}).get("httpGet") or {}
    check(g and (path is None or g.get("path") == path) and (g.get("port") in ports or g.get("port") in ports.values()),
          f"k8s: {probe} GET {g.get('path')} on port {g.get('port')}")
res = silo.get("resources", {})
check(res.get("requests") == {"cpu": "250m", "memory": "384Mi"} and res.get("limits", {}).get("memory") == "768Mi",
      "k8s: resources requests 250m/384Mi, limit memory 768Mi")
vols = {v["name"] for v in spec.get("volumes", [])}
check(all(m["name"] in vols for c in spec.get("initContainers", []) + spec.get("containers", []) for m in c.get("volumeMounts", [])),
      "k8s: every volumeMount of the silo pod names a volume")
jc = job.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [{}])[0]
check(jc.get("command") == ["dotnet", cli_dll, "db", "migrate"], f"k8s: Job runs dotnet {cli_dll} db migrate")
images = {c.get("image") for c in spec.get("initContainers", []) + spec.get("containers", []) + [jc]}
check(len(images) == 1, f"k8s: the Job and the silo pods use one image ({', '.join(map(str, images))})")
ann = ing.get("metadata", {}).get("annotations", {})
check(ann.get("nginx.ingress.kubernetes.io/affinity") == "cookie" and "nginx.ingress.kubernetes.io/proxy-read-timeout" in ann,
      "k8s: Ingress has cookie affinity and WebSocket timeouts")
svc_ports = {p.get("name") for p in svc.get("spec", {}).get("ports", [])}
backs = [p["backend"]["service"] for r in ing.get("spec", {}).get("rules", []) for p in r["http"]["paths"]]
check(backs and all(b["name"] == svc["metadata"]["name"] and b["port"].get("name") in svc_ports for b in backs),
      "k8s: Ingress backends name the Service and one of its ports")
PY
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the python checks stopped with an error (see above)"
else
  skip "YAML parsing and the structural checks (need python3 with PyYAML)"
fi

# ---------------------------------------------------------------------------------------------------------------
echo "== the image's HEALTHCHECK command (run here with bash against a loopback stub)"
if [ -n "$python_ok" ] && have bash; then
  python3 - "$deploy/Dockerfile" <<'PY' | tee -a "$log"
import http.server, json, re, subprocess, sys, threading
m = re.search(r"^\s*CMD (\[.*\])\s*$", open(sys.argv[1]).read(), re.M)
if not m:
    print("SKIP  no exec-form HEALTHCHECK CMD in deploy/Dockerfile"); sys.exit(0)
code = {"v": 200}
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(code["v"] if self.path == "/health/ready" else 404)
        self.send_header("Content-Length", "0"); self.end_headers()
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
threading.Thread(target=srv.serve_forever, daemon=True).start()
cmd = [c.replace("127.0.0.1/8080", f"127.0.0.1/{srv.server_address[1]}") for c in json.loads(m.group(1))]
def run():
    try: return subprocess.run(cmd, stderr=subprocess.DEVNULL, timeout=5).returncode
    except subprocess.TimeoutExpired: return "timeout"
got = {}
for c in (200, 503):
    code["v"] = c; got[c] = run()
srv.shutdown(); srv.server_close(); got["closed"] = run()
ok = got[200] == 0 and got[503] not in (0, "timeout") and got["closed"] not in (0, "timeout")
print(f"{'PASS' if ok else 'FAIL'}  HEALTHCHECK command: exit {got[200]} on 200, {got[503]} on 503, {got['closed']} with nothing listening")
PY
  [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the HEALTHCHECK test stopped with an error (see above)"
else
  skip "the HEALTHCHECK command test (needs python3 and bash)"
fi

# ---------------------------------------------------------------------------------------------------------------
echo "== Kubernetes tools"
if have kubectl; then
  if kubectl kustomize "$deploy/k8s" > "$tmp/k8s.yaml" 2> "$tmp/kustomize.err"; then
    pass "kubectl kustomize deploy/k8s renders $(grep -c '^kind:' "$tmp/k8s.yaml") objects (offline; no cluster contacted)"
    if [ -n "$python_ok" ]; then
      if python3 -c 'import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
off = [d["kind"] + "/" + d["metadata"]["name"] for d in docs if d["kind"] != "Namespace" and d["metadata"].get("namespace") != "liberterra"]
subj = [s for d in docs if d["kind"] == "RoleBinding" for s in d.get("subjects", []) if s.get("namespace") != "liberterra"]
sys.exit(1 if off or subj else 0)' "$tmp/k8s.yaml"; then
        pass "kustomize puts every object but the Namespace, and the RoleBinding subject, in namespace liberterra"
      else
        fail "kustomize output: some object or RoleBinding subject is not in namespace liberterra"
      fi
    fi
  else
    fail "kubectl kustomize deploy/k8s: $(cat "$tmp/kustomize.err")"
  fi
  skip "kubectl apply --dry-run (needs an API server; none here)"
else
  skip "kubectl not installed: the kustomization was not rendered"
fi
if have kubeconform; then
  if [ -s "$tmp/k8s.yaml" ] && kubeconform -strict -summary -ignore-missing-schemas "$tmp/k8s.yaml"; then pass "kubeconform (schemas it could load; it downloads them, so offline it may have skipped all)"
  else fail "kubeconform"; fi
else
  skip "kubeconform not installed: no Kubernetes schema validation"
fi

# ---------------------------------------------------------------------------------------------------------------
echo "== Docker tools"
# compose config needs the env files: a copy of deploy/ with the *.example files in their place (never the real ones).
mkdir -p "$tmp/ctx/deploy/compose"
cp "$deploy/compose.yaml" "$deploy/Dockerfile" "$tmp/ctx/deploy/" && cp "$deploy/compose/nginx.conf" "$tmp/ctx/deploy/compose/"
for e in "$deploy"/compose/*.env.example; do cp "$e" "$tmp/ctx/deploy/compose/$(basename "$e" .example)"; done
if have docker && docker compose version >/dev/null 2>&1; then
  if docker compose -f "$tmp/ctx/deploy/compose.yaml" config -q; then pass "docker compose config (compose's own validation)"; else fail "docker compose config"; fi
elif have docker-compose; then
  # Compose v1 (end of life; Debian's docker-compose 1.29) predates the top-level `name:`: validate the rest.
  sed -i '/^name: /d' "$tmp/ctx/deploy/compose.yaml"
  if docker-compose -f "$tmp/ctx/deploy/compose.yaml" config -q; then pass "docker-compose $(docker-compose version --short 2>/dev/null) config (its compose schema; top-level name: removed for v1)"
  else fail "docker-compose config"; fi
else
  skip "no docker compose plugin or docker-compose: compose's own schema validation not run"
fi
if have hadolint; then
  if hadolint "$deploy/Dockerfile"; then pass "hadolint deploy/Dockerfile"; else fail "hadolint deploy/Dockerfile"; fi
else
  skip "hadolint not installed: no Dockerfile lint"
fi
skip "docker build: not part of this check (no Docker engine here; see deploy/DEPLOY.md)"

# ---------------------------------------------------------------------------------------------------------------
echo "== nginx (deploy/compose/nginx.conf)"
if ! have nginx && [ "$(id -u)" = 0 ] && have apt-get; then
  echo "installing nginx (Debian package) for nginx -t"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >"$tmp/apt.log" 2>&1 \
    || { apt-get update -q >>"$tmp/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx >>"$tmp/apt.log" 2>&1; } \
    || echo "apt-get install nginx failed: $(tail -3 "$tmp/apt.log")"
fi
if have nginx; then
  ngx="$tmp/nginx"; mkdir -p "$ngx/temp" && chmod 0777 "$ngx/temp" && chmod 0711 "$tmp" "$ngx"   # nginx workers run as another user
  # The silos' names resolve only inside compose: loopback ports stand in for them, and the temp paths move here.
  ports=($(python3 -c 'import socket
s=[socket.socket() for _ in range(4)]
[x.bind(("127.0.0.1",0)) for x in s]; print(*[x.getsockname()[1] for x in s])' 2>/dev/null || echo 18080 18081 18082 18083))
  sed -E -e "s/server silo1:8080/server 127.0.0.1:${ports[1]}/; s/server silo2:8080/server 127.0.0.1:${ports[2]}/; s/server silo3:8080/server 127.0.0.1:${ports[3]}/" \
         -e "s/^( *)listen 8080;/\1listen 127.0.0.1:${ports[0]};/" \
         -e "s|^http \{|http {\n    client_body_temp_path $ngx/temp/body; proxy_temp_path $ngx/temp/proxy; fastcgi_temp_path $ngx/temp/fastcgi; uwsgi_temp_path $ngx/temp/uwsgi; scgi_temp_path $ngx/temp/scgi;|" \
      "$deploy/compose/nginx.conf" > "$ngx/nginx.conf"
  if grep -q 'silo[0-9]:8080' "$ngx/nginx.conf"; then fail "nginx.conf: could not substitute every silo host"; fi
  if nginx -t -q -c "$ngx/nginx.conf" -p "$ngx/" -g "pid $ngx/nginx.pid;" 2> "$tmp/nginx-t.err"; then
    pass "nginx -t ($(nginx -v 2>&1 | sed 's/.*: //')) on deploy/compose/nginx.conf with silo1-3 -> 127.0.0.1 ports"
    if [ -n "$python_ok" ]; then
      nginx -c "$ngx/nginx.conf" -p "$ngx/" -g "pid $ngx/nginx.pid; daemon off;" > "$ngx/access.log" 2> "$ngx/error.log" &
      started+=($!)
      # Three stub upstreams on loopback that answer with their port and the request headers they got.
      python3 - "$ngx/access.log" "${ports[@]}" <<'PY' | tee -a "$log"
import http.client, http.server, json, socket, sys, threading, time
access_log, front, ups = sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]]
def ok(m): print(f"PASS  {m}")
def bad(m): print(f"FAIL  {m}")
def check(c, m): ok(m) if c else bad(m); return c
class Stub(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        if getattr(self.server, "dead", False):   # a stopped silo: its open keepalive connections just close
            self.close_connection = True
            return
        body = json.dumps({"port": self.server.server_address[1], "headers": {k.lower(): v for k, v in self.headers.items()}}).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    do_GET = do_POST = answer
servers = {}
for p in ups:
    s = http.server.ThreadingHTTPServer(("127.0.0.1", p), Stub); s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start(); servers[p] = s
for _ in range(50):
    try: socket.create_connection(("127.0.0.1", front), timeout=0.2).close(); break
    except OSError: time.sleep(0.1)
def req(path="/", cookie=None, headers=None, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", front, timeout=5)
    h = dict(headers or {})
    if cookie: h["Cookie"] = f"lt_affinity={cookie}"
    c.request(method, path, body=body, headers=h); r = c.getresponse(); data = r.read(); c.close()
    return r, (json.loads(data) if r.status == 200 else {})
try:
    r, b = req()
    sc = r.getheader("Set-Cookie") or ""
    cookie = sc.split(";")[0].split("=", 1)[1] if sc.startswith("lt_affinity=") else None
    if check(r.status == 200 and cookie and "HttpOnly" in sc and "Path=/" in sc,
             f"nginx: a request without the cookie is proxied and gets Set-Cookie lt_affinity (HttpOnly, Path=/): {sc}"):
        first = b["port"]
        check(r.getheader("X-Liberterra-Upstream") == f"127.0.0.1:{first}", "nginx: X-Liberterra-Upstream names the upstream")
        negotiate = "/hubs/operations/negotiate?negotiateVersion=1"
        r1, b1 = req(negotiate, cookie=cookie, method="POST", body=b"")
        hub = b1.get("port")
        seen, no_cookie = set(), True
        for i in range(10):
            r2, b2 = req(negotiate if i % 2 else "/hubs/operations?id=abc", cookie=cookie, method="POST" if i % 2 else "GET", body=b"" if i % 2 else None)
            seen.add(b2.get("port")); no_cookie = no_cookie and r2.getheader("Set-Cookie") is None
        check(hub in ups and seen == {hub}, f"nginx: with that cookie, 10 hub requests (negotiate POSTs included) reach one upstream {hub}")
        check(no_cookie, "nginx: no Set-Cookie once the client has the cookie")
        r3, b3 = req("/hubs/operations?id=abc&access_token=SECRET-TOKEN", cookie=cookie, headers={"Upgrade": "websocket", "Connection": "Upgrade"})
        h = b3.get("headers", {})
        check(b3.get("port") == hub and h.get("upgrade") == "websocket" and h.get("connection", "").lower() == "upgrade",
              f"nginx: a WebSocket request keeps affinity and forwards Upgrade/Connection ({h.get('upgrade')}, {h.get('connection')})")
        api = [req("/api/operations", cookie=cookie)[1] for _ in range(9)]
        check({a.get("port") for a in api} == set(ups), f"nginx: with the same cookie, 9 API requests go round-robin over every upstream ({sorted({a.get('port') for a in api})})")
        check("connection" not in api[0].get("headers", {}) and api[0]["headers"].get("x-forwarded-for") == "127.0.0.1" and "x-forwarded-proto" in api[0]["headers"],
              "nginx: plain requests go without Connection: close (upstream keepalive) and with X-Forwarded-For/-Proto")
        spread = {req(negotiate, cookie=f"{i:032x}", method="POST", body=b"")[1].get("port") for i in range(30)}
        check(len(spread) >= 2, f"nginx: 30 different cookies spread the hubs over {len(spread)} upstreams")
        r4, b4 = req("/api/operations/x/definition", cookie=cookie, method="POST", body=b"x" * (2 * 1024 * 1024))
        check(r4.status == 200, f"nginx: a 2 MiB body passes (client_max_body_size; got {r4.status})")
        servers[hub].dead = True; servers[hub].shutdown(); servers[hub].server_close()
        r5, b5 = req("/hubs/operations?id=abc", cookie=cookie)
        check(r5.status == 200 and b5.get("port") not in (None, hub), f"nginx: with upstream {hub} down, the same cookie's hub requests are served by {b5.get('port')}")
        after = {req("/api/operations")[1].get("port") for _ in range(6)}
        check(after == set(ups) - {hub}, f"nginx: with upstream {hub} down, API requests go to the others ({sorted(after - {None})})")
        time.sleep(0.3)
        logged = open(access_log).read()
        check("/hubs/operations" in logged and "SECRET-TOKEN" not in logged and "access_token" not in logged,
              "nginx: the access log has paths but no query strings (no access_token)")
finally:
    for s in servers.values():
        try: s.shutdown(); s.server_close()
        except Exception: pass
PY
      [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the nginx behaviour test stopped with an error (see above)"
      kill "${started[-1]}" 2>/dev/null; wait "${started[-1]}" 2>/dev/null; unset 'started[-1]'
      if grep -q '\[emerg\]\|\[crit\]' "$ngx/error.log"; then fail "nginx error log: $(grep '\[emerg\]\|\[crit\]' "$ngx/error.log" | head -3)"; fi
    else
      skip "nginx behaviour test (needs python3)"
    fi
  else
    fail "nginx -t: $(cat "$tmp/nginx-t.err")"
  fi
else
  skip "nginx not installed and could not be installed: nginx -t not run"
fi

# ---------------------------------------------------------------------------------------------------------------
echo "== summary"
passed=$(grep -c '^PASS' "$log"); failed=$(grep -c '^FAIL' "$log"); skipped=$(grep -c '^SKIP' "$log"); warned=$(grep -c '^WARN' "$log")
if [ "$failed" -gt 0 ]; then echo "failed:"; grep '^FAIL' "$log" | sed 's/^/  /'; fi
if [ "$warned" -gt 0 ]; then echo "warnings:"; grep '^WARN' "$log" | sed 's/^/  /'; fi
echo "check-deploy: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
