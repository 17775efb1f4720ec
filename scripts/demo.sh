#!/usr/bin/env bash
# The Accord demo, run by 'make demo' with the project's virtualenv first on PATH.
# Generates a synthetic population, then ingests each organisation's legacy extract into
# its own node workspace on the embedded default store, and shows what was read,
# standardised and quarantined per field, and assesses each dataset's quality; then
# links the GP and hospital extracts in private mode and scores the links against the
# truth; registers opt-outs and publishes a table of counts under the HES rules. Then the
# exchange: a federation authority publishes a signed trust list of the GP (A81001), the
# hospital (RX1) and the council (E06000023), each node pins it and runs 'accord serve'
# on 127.0.0.1; the GP proposes the admission-risk agreement over the API and the
# hospital countersigns it; the hospital asks the GP for a share and a single-person
# lookup over signed HTTP, and the council and the hospital are refused with reasons;
# each node's portal (web pages) is served beside its API, with a demo staff account;
# each node reports its usage; the audit log shows one person's view, and every node's
# log verifies. The servers stop when the demo ends, whether it succeeds or fails.
set -euo pipefail

OUT="${DEMO_OUT:-demo-output}"
PEOPLE="${DEMO_PEOPLE:-5000}"
SEED="${DEMO_SEED:-2026}"
FEDERATION=accord.example.nhs.uk
export COLUMNS="${COLUMNS:-120}"  # tables as wide as a terminal's, also when piped (CI)

# The nodes' servers run in the background from step 8: stopped on any exit, success or
# failure (and by themselves once this shell is gone: --watch-pid), so none outlives the demo.
SERVERS=()
READY=()
stop_servers() {
  local pid
  for pid in "${SERVERS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVERS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVERS=()
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT"
echo "== 1. A synthetic UK population of $PEOPLE people and three organisations' extracts"
accord generate gp-hospital-council --people "$PEOPLE" --seed "$SEED" --out "$OUT/extracts"

ingest() {  # org node-id source dataset
  local org=$1 node_id=$2 src=$3 dataset=$4
  echo
  echo "== $org ($node_id): a node workspace, then ingest $(basename "$src")"
  accord init "$OUT/nodes/$org" --node-name "$org" --node-id "$node_id" \
    --federation "$FEDERATION" >/dev/null
  accord ingest "$src" --mapping "$OUT/extracts/$org.mapping.yaml" --dataset "$dataset" \
    --workspace "$OUT/nodes/$org"
}

echo
echo "== 2. Each organisation ingests its own extract into its own node, named by its"
echo "   organisation code (ODS for the GP practice and the trust, GSS for the council)"
ingest gp A81001 "$OUT/extracts/gp.csv" registered-patients
ingest hospital RX1 "$OUT/extracts/hospital.xlsx" admissions
ingest council E06000023 "$OUT/extracts/council.sqlite" residents

echo
echo "== 3. What the GP node quarantined, and its standardised records"
# Reading raw rows and exporting records are uses of personal data: the GP's data steward
# says in which role and why, and both land in the node's audit log.
STEWARD=(--as-role "practice data manager" --reason "checking the first ingest")
accord quarantine registered-patients --limit 5 "${STEWARD[@]}" --workspace "$OUT/nodes/gp"
accord export registered-patients --out "$OUT/gp-standardised.csv" "${STEWARD[@]}" \
  --workspace "$OUT/nodes/gp"
head -n 4 "$OUT/gp-standardised.csv"

echo
echo "== 4. Data quality of every ingested dataset: kitemark, dimension scores, HTML report"
printf 'include_defaults: true\nchecks:\n  - {type: timeliness, update_frequency: monthly}\n' \
  > "$OUT/checklist.yaml"
for org in gp hospital council; do
  mkdir -p "$OUT/quality/$org"
  for dataset in $(accord datasets --json --workspace "$OUT/nodes/$org" \
      | python -c 'import json, sys; print(*(d["dataset"] for d in json.load(sys.stdin)["datasets"]))'); do
    echo "-- $org: $dataset"
    accord quality "$dataset" --checklist "$OUT/checklist.yaml" \
      --report "$OUT/quality/$org/$dataset" --workspace "$OUT/nodes/$org"
  done
done

echo
echo "== 5. The GP dataset described for the catalogue, exported as DCAT and a Data Package"
cat > "$OUT/registered-patients.yaml" <<'YAML'
title: Registered patients
description: Everyone registered with the practice, one record per registration.
owner:
  organisation: Demo GP practice
  contact: {name: Practice data team, email: data@gp.example.nhs.uk}
fields: {nhs_number: "The patient's NHS number, as recorded at registration."}
collection_method: Entered by reception staff at registration.
update_frequency: monthly
legal_basis: UK GDPR Art 6(1)(e) and Art 9(2)(h)
special_category: true
YAML
accord catalog describe registered-patients --from "$OUT/registered-patients.yaml" \
  --workspace "$OUT/nodes/gp"
mkdir -p "$OUT/catalog"
for format in dcat datapackage; do
  accord catalog export registered-patients --format "$format" \
    --out "$OUT/catalog/registered-patients.$format.json" --workspace "$OUT/nodes/gp"
done

echo
echo "== 6. Privacy-preserving linkage of the GP and hospital extracts"
echo "   (the providers share a secret; the linking party sees only keyed encodings;"
echo "   run for the GP node, the run is recorded in its audit log)"
head -c 32 /dev/urandom > "$OUT/linkage.secret"
accord link "$OUT/extracts/gp.csv" "$OUT/extracts/hospital.xlsx" \
  --left-mapping "$OUT/extracts/gp.mapping.yaml" \
  --right-mapping "$OUT/extracts/hospital.mapping.yaml" \
  --mode private --secret-file "$OUT/linkage.secret" --out "$OUT/gp-hospital-pairs.csv" \
  --ids "$OUT/linkage-ids" --report "$OUT/linkage-report" --workspace "$OUT/nodes/gp"
echo "   Against the scenario's truth:"
accord evaluate "$OUT/gp-hospital-pairs.csv" --truth "$OUT/extracts/truth.csv" \
  --left gp --right hospital

echo
echo "== 7. Opt-outs at the GP node (withheld from every share), and a table of counts made safe to publish"
python - "$OUT" <<'PY'
import csv, sys
from collections import Counter
out = sys.argv[1]
with open(f"{out}/gp-standardised.csv", encoding="utf-8", newline="") as fh:
    rows = [r for r in csv.DictReader(fh) if r["nhs_number"] and r["date_of_birth"]]
with open(f"{out}/opt-outs.txt", "w", encoding="utf-8") as fh:
    fh.write("\n".join(r["nhs_number"] for r in rows[:3]) + "\n")
def band(born): return f"{(2026 - int(born[:4])) // 25 * 25:02d}+"
def area(postcode): return postcode[:2].rstrip("0123456789")
top = [a for a, _ in Counter(area(r["postcode"]) for r in rows if r["postcode"]).most_common(3)]
counts = Counter((area(r["postcode"]), band(r["date_of_birth"])) for r in rows
                 if r["postcode"] and area(r["postcode"]) in top)
with open(f"{out}/patients-by-area.csv", "w", encoding="utf-8", newline="") as fh:
    w = csv.writer(fh)
    w.writerow(["area", "age_band", "patients"])
    w.writerows([*k, n] for k, n in sorted(counts.items()))
PY
while read -r number; do
  accord optout register "$number" --scheme national --as-role "practice receptionist" \
    --reason "the patient asked at the desk" --workspace "$OUT/nodes/gp"
done < "$OUT/opt-outs.txt"
accord optout count --workspace "$OUT/nodes/gp"
echo "   Patients by postcode area and age band (the three largest areas), HES rules:"
accord protect "$OUT/patients-by-area.csv" --by area --by age_band --count patients \
  --preset hes --out "$OUT/patients-by-area.safe.csv"

echo
echo "== 8. A federation of the three nodes, each serving its API over signed HTTP"
echo "   The federation authority (a folder of its own, every act in its own audit log) adds"
echo "   each node, by its organisation code, URL and public key, and signs the trust list:"
FED="$OUT/authority"
KEY=$(accord federation init "$FED" --federation "$FEDERATION" --json \
  | python -c 'import json, sys; print(json.load(sys.stdin)["trust_list_key"])')
read -r GP_PORT HOSPITAL_PORT COUNCIL_PORT <<< "$(python scripts/demo_exchange.py ports 3)"
declare -A NODE_ID=([gp]=A81001 [hospital]=RX1 [council]=E06000023)
declare -A PORT=([gp]=$GP_PORT [hospital]=$HOSPITAL_PORT [council]=$COUNCIL_PORT)
declare -A NAME=([gp]="Riverside Medical Practice" \
  [hospital]="Riverside Hospitals NHS Foundation Trust" [council]="Riverside Council")
for org in gp hospital council; do
  accord federation add "${NODE_ID[$org]}" --org "$org" --name "${NAME[$org]}" \
    --url "http://127.0.0.1:${PORT[$org]}" --key "$OUT/nodes/$org/keys/node.pub" \
    --role provider --role recipient -a "$FED" --reason "joins the Riverside partnership" \
    >/dev/null
done
accord federation publish -a "$FED" --out "$OUT/trust-list.json"
TRUST_LIST="$(cd "$OUT" && pwd)/trust-list.json"
echo "   Each node pins the authority's key (accord.toml), fetches the list and checks it:"
for org in gp hospital council; do
  printf 'trust_list_url = "%s"\ntrust_list_key = "%s"\n' "$TRUST_LIST" "$KEY" \
    >> "$OUT/nodes/$org/accord.toml"
  accord federation fetch -w "$OUT/nodes/$org" --json | python scripts/demo_exchange.py fetched "$org"
done
accord federation show -w "$OUT/nodes/hospital"
echo "   Each node's portal (web pages for staff and citizens, docs/portal.md) gets a staff"
echo "   account; on 127.0.0.1 its cookies may go without Secure, and citizens sign in with"
echo "   the local (development) identity provider:"
declare -A STAFF_PASSWORD=()
for org in gp hospital council; do
  printf 'portal_secure_cookies = false\nportal_identity = "local"\n' >> "$OUT/nodes/$org/accord.toml"
  STAFF_PASSWORD[$org]="demo-$org-password"
  echo "${STAFF_PASSWORD[$org]}" | accord user add "$org.steward" --role steward --role approver \
    --role auditor --password-stdin --reason "the demo's staff account" -w "$OUT/nodes/$org"
done
echo "   Each node serves its API and portal on 127.0.0.1 ('accord serve'; they stop with the demo):"
for org in gp hospital council; do
  accord serve -w "$OUT/nodes/$org" --port "${PORT[$org]}" --stop-after 1200 --watch-pid $$ \
    > "$OUT/$org-serve.log" 2>&1 &
  SERVERS+=("$!")
  READY+=("$!=http://127.0.0.1:${PORT[$org]}")
done
python scripts/demo_exchange.py ready "${READY[@]}" || { tail -n 20 "$OUT"/*-serve.log >&2; exit 1; }
portals() {
  for org in gp hospital council; do
    echo "   $org portal: http://127.0.0.1:${PORT[$org]}/  staff sign-in: $org.steward /" \
      "${STAFF_PASSWORD[$org]} (choose your own password at the first sign-in)"
  done
}
portals
GP="$OUT/nodes/gp"
HOSPITAL="$OUT/nodes/hospital"
COUNCIL="$OUT/nodes/council"

echo
echo "== 9. The GP + hospital agreement, proposed and countersigned over the API"
mkdir -p "$OUT/agreements"
AGR="$OUT/agreements/admission-risk.yaml"
AGREEMENT=gp-hospital-admission-risk
echo "   The GP's information governance lead drafts it from the worked example (letting the"
echo "   hospital look up one patient at a time: 'lookups: true') and checks it against the"
echo "   model, the privacy presets and the dataset the GP provides:"
accord agreement new "$AGR"
python scripts/demo_exchange.py lookups "$AGR"
accord agreement validate "$AGR" --workspace "$GP"
echo "   The GP signs it with its node's key (Ed25519 over RFC 8785 JSON), and its node sends"
echo "   it to the hospital's node (signed request, POST /api/v1/agreements):"
accord agreement sign "$AGR" --workspace "$GP" --as-role "caldicott guardian"
accord agreement propose "$AGREEMENT" --workspace "$GP" --as-role "caldicott guardian"
echo "   The hospital's steward reads it in the node's inbox ..."
accord agreement inbox --workspace "$HOSPITAL"
echo "   ... and countersigns it: the signature travels back, and both nodes activate it:"
accord agreement countersign "$AGREEMENT" --workspace "$HOSPITAL" \
  --as-role "senior information risk owner"
accord agreement show "$AGREEMENT" --workspace "$GP" --json > "$OUT/agreements/gp.json"
accord agreement show "$AGREEMENT" --workspace "$HOSPITAL" --json > "$OUT/agreements/hospital.json"
python scripts/demo_exchange.py same "$OUT/agreements/gp.json" "$OUT/agreements/hospital.json"
echo "   The GP publishes its public register of agreements, and the agreement as ODRL:"
accord agreement register --format html --out "$OUT/agreements/register.html" \
  --workspace "$GP"
accord agreement export "$AGREEMENT" --format odrl \
  --out "$OUT/agreements/admission-risk.odrl.jsonld" --workspace "$GP"

echo
echo "== 10. A share over HTTP: the hospital asks the GP for its registered patients"
ASK=(--agreement "$AGREEMENT" --as-role admissions-risk-analyst --case RISK/2026/7)
echo "   What the GP offers the hospital: its catalogue for this caller alone (the datasets its"
echo "   active agreements let it ask for, each with its current kitemark and fields):"
accord share catalogue A81001 --workspace "$HOSPITAL"
echo "   The request is signed (RFC 9421); the GP decides it under the agreement, withholds"
echo "   opted-out patients, minimises and pseudonymises, records one entry per person, and"
echo "   streams a signed answer; the hospital keeps it as a snapshot with its lineage:"
mkdir -p "$OUT/shares"
accord share request A81001 --dataset registered-patients "${ASK[@]}" --format csv \
  --out "$OUT/shares/from-gp.csv" --workspace "$HOSPITAL"
head -n 3 "$OUT/shares/from-gp.csv"
echo "   The shares each node served and received (from its audit log):"
for org in gp hospital; do
  echo "   -- $org:"
  accord share list --workspace "$OUT/nodes/$org"
done
echo "   The received snapshot in the hospital's catalogue: where it came from, under what:"
accord catalog show gp.registered-patients --workspace "$HOSPITAL"
echo "   A single-person lookup (front-line use), by NHS number, audited for that person:"
read -r NHS DOB <<< "$(python scripts/demo_audit.py person "$OUT")"
accord share lookup A81001 --dataset registered-patients "${ASK[@]}" \
  --nhs-number "$NHS" --workspace "$HOSPITAL"

echo
echo "== 11. Refused requests, with their reasons, in the provider's audit log"
SINCE=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
echo "   The council asks the GP for its patients under an agreement it is not party to:"
refused() {  # expect the command to fail; show its one-line reason
  if "$@" > "$OUT/refused.out" 2>&1; then
    echo "   unexpected: the request was permitted" >&2
    cat "$OUT/refused.out" >&2
    exit 1
  fi
  sed 's/^/     /' "$OUT/refused.out"
}
refused accord share request A81001 --dataset registered-patients --agreement "$AGREEMENT" \
  --purpose admission-risk-stratification --as-role housing-officer --case HOUSING/2026/3 \
  --workspace "$COUNCIL"
echo "   The hospital asks for ethnicity, a field the agreement does not cover:"
refused accord share request A81001 --dataset registered-patients "${ASK[@]}" \
  --fields nhs_number,ethnicity --workspace "$HOSPITAL"
echo "   Both refusals are decisions in the GP node's audit log:"
python scripts/demo_exchange.py refusals "$GP" "$SINCE"
echo
echo "== 12. The audit log: each use of personal data, in a tamper-evident Merkle log"
echo "   (every step above that used personal data recorded itself: the share over HTTP is"
echo "   one entry per patient sent. One more share is deferred for a safeguarding review,"
echo "   made here with privacy.disclose_in: see scripts/demo_audit.py)"
DEFERRED=$(python scripts/demo_audit.py deferred "$OUT")
echo "   The deferred share recorded $DEFERRED entries, one per person, in signed batches."
mkdir -p "$OUT/auditor/checkpoints"
accord audit key --workspace "$GP" > "$OUT/auditor/gp.key"
accord audit checkpoint --out "$OUT/auditor/checkpoints/gp.checkpoint" --workspace "$GP"
echo "   An auditor saved the GP node's checkpoint (and its key) and checks five entries offline:"
sed 's/^/     /' "$OUT/auditor/checkpoints/gp.checkpoint"
accord audit export --from 0 --to 4 --out "$OUT/auditor/gp-entries.json" --workspace "$GP"
accord audit check "$OUT/auditor/gp-entries.json" --key "$(cat "$OUT/auditor/gp.key")"

echo
echo "== 13. A subject access request: what happened to one person's data (newest first)"
accord audit person --nhs-number "$NHS" --date-of-birth "$DOB" \
  --dataset registered-patients --sar "$OUT/subject-access.json" --workspace "$GP" \
  --as-role "information governance officer" --reason "subject access request by letter"
echo "   (the share and the lookup to the hospital are there; the deferred share is in the"
echo "   log and its proofs already, and joins this view on its date)"

echo
echo "== 14. Usage for cost sharing: requests, records and bytes per agreement and party"
MONTH=$(date -u +%Y-%m)
for org in gp hospital; do
  echo "   -- $org, $MONTH:"
  accord usage report --month "$MONTH" --format table --workspace "$OUT/nodes/$org"
done
echo "   -- gp, as CSV:"
accord usage report --month "$MONTH" --format csv --workspace "$GP"

echo
echo "== 15. Every node's audit log verifies (and the federation authority's)"
printf '   %-11s' "gp:"
accord audit verify --checkpoints "$OUT/auditor/checkpoints" --workspace "$GP"
for org in hospital council; do
  printf '   %-11s' "$org:"
  accord audit verify --workspace "$OUT/nodes/$org"
done
printf '   %-11s' "authority:"
accord audit verify --workspace "$FED"

echo
echo "== 16. The portals, while the servers run"
portals
echo "   a citizen (the local identity provider): NHS number $NHS, born $DOB, on the gp portal"
if [ -t 0 ] && [ -t 1 ]; then
  read -r -p "   Press Enter to stop the servers (the portals go with them) " _
fi

echo
echo "== 17. The servers stop"
stop_servers
echo "   the three 'accord serve' processes have stopped (their logs: $OUT/*-serve.log)"

echo
echo "Demo finished: workspaces in $OUT/nodes, the federation authority in $OUT/authority"
echo "and its trust list in $OUT/trust-list.json (docs/exchange.md), extracts and truth in"
echo "$OUT/extracts, quality reports in $OUT/quality (docs/quality.md), catalogue exports in"
echo "$OUT/catalog (docs/catalog.md), linked pairs in $OUT/gp-hospital-pairs.csv (how linkage"
echo "works: docs/linkage.md), the signed agreement, its public register and ODRL in"
echo "$OUT/agreements (docs/agreements.md), the share the hospital received in $OUT/shares,"
echo "the subject access response in $OUT/subject-access.json (docs/audit.md)."
