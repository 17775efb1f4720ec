#!/usr/bin/env bash
# The Accord demo, run by 'make demo' with the project's virtualenv first on PATH.
# Generates a synthetic population, then ingests each organisation's legacy extract into
# its own node workspace on the embedded default store, and shows what was read,
# standardised and quarantined per field, and assesses each dataset's quality; then
# links the GP and hospital extracts in private mode and scores the links against the
# truth; the GP and the hospital draft, sign and activate a data sharing agreement and the
# GP node decides two requests; registers opt-outs and publishes a table of counts under
# the HES rules; records the uses in each node's audit log, shows one person's view of
# them, and verifies every node's log.
set -euo pipefail

OUT="${DEMO_OUT:-demo-output}"
PEOPLE="${DEMO_PEOPLE:-5000}"
SEED="${DEMO_SEED:-2026}"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "== 1. A synthetic UK population of $PEOPLE people and three organisations' extracts"
accord generate gp-hospital-council --people "$PEOPLE" --seed "$SEED" --out "$OUT/extracts"

ingest() {  # org source dataset
  local org=$1 src=$2 dataset=$3
  echo
  echo "== $org: a node workspace, then ingest $(basename "$src")"
  accord init "$OUT/nodes/$org" --node-name "$org" >/dev/null
  accord ingest "$src" --mapping "$OUT/extracts/$org.mapping.yaml" --dataset "$dataset" \
    --workspace "$OUT/nodes/$org"
}

echo
echo "== 2. Each organisation ingests its own extract into its own node"
ingest gp "$OUT/extracts/gp.csv" registered-patients
ingest hospital "$OUT/extracts/hospital.xlsx" admissions
ingest council "$OUT/extracts/council.sqlite" residents

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
echo "== 7. A data sharing agreement for the GP + hospital admission-risk work"
mkdir -p "$OUT/agreements"
AGR="$OUT/agreements/admission-risk.yaml"
GP="$OUT/nodes/gp"
HOSPITAL="$OUT/nodes/hospital"
echo "   Each node trusts the other's public key once (its peer registry; recorded in its log):"
accord peer add hospital --key "$HOSPITAL/keys/node.pub" --workspace "$GP" \
  --reason "admission-risk agreement with the trust"
accord peer add gp --key "$GP/keys/node.pub" --workspace "$HOSPITAL" \
  --reason "admission-risk agreement with the practice"
echo "   The GP's information governance lead drafts it from the worked example and checks it,"
echo "   against the model, the privacy presets and the dataset the GP provides:"
accord agreement new "$AGR"
accord agreement validate "$AGR" --workspace "$GP"
echo "   Each organisation signs it with its node's key (Ed25519 over RFC 8785 JSON); each node"
echo "   keeps only signatures that verify with the keys it knows:"
accord agreement sign "$AGR" --workspace "$GP" --as-role "caldicott guardian"
accord agreement sign "$AGR" --workspace "$HOSPITAL" --as-role "senior information risk owner"
echo "   Anyone can verify it offline with the two public keys:"
accord agreement verify "$AGR" --key "gp=$GP/keys/node.pub" --key "hospital=$HOSPITAL/keys/node.pub"
echo "   Both nodes activate it: the GP from the file, the hospital by id (it holds both signatures):"
accord agreement activate "$AGR" --workspace "$GP"
accord agreement activate gp-hospital-admission-risk --workspace "$HOSPITAL"
echo "   The hospital asks the GP for pseudonymised patients to score; the GP node reads the"
echo "   dataset's kitemark from its own assessment (step 4) and records the decision:"
accord agreement decide --workspace "$GP" --requester hospital \
  --purpose admission-risk-stratification --dataset registered-patients \
  --fields nhs_number,date_of_birth,sex,postcode_district --rows 4200
echo "   ... and then for ethnicity too, for another purpose (denied, with the reasons):"
accord agreement decide --workspace "$GP" --requester hospital \
  --purpose service-planning --dataset registered-patients \
  --fields nhs_number,ethnicity --rows 4200 || true
accord agreement register --format html --out "$OUT/agreements/register.html" \
  --workspace "$GP"
accord agreement export gp-hospital-admission-risk --format odrl \
  --out "$OUT/agreements/admission-risk.odrl.jsonld" --workspace "$GP"

echo
echo "== 8. Opt-outs at the GP node, and a table of counts made safe to publish"
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
echo "== 9. The audit log: each use of personal data, in a tamper-evident Merkle log"
echo "   (every step above that used personal data recorded itself; now the GP node"
echo "   shares its patients with the hospital: privacy.disclose_in, see the script)"
CHOSEN=$(python scripts/demo_audit.py "$OUT")
read -r NHS DOB ENTRIES <<< "$CHOSEN"
echo "   The GP node recorded $ENTRIES entries, one per person shared, in signed batches."
mkdir -p "$OUT/auditor/checkpoints"
accord audit key --workspace "$OUT/nodes/gp" > "$OUT/auditor/gp.key"
accord audit checkpoint --out "$OUT/auditor/checkpoints/gp.checkpoint" --workspace "$OUT/nodes/gp"
echo "   An auditor saved the GP node's checkpoint (and its key) and checks five entries offline:"
sed 's/^/     /' "$OUT/auditor/checkpoints/gp.checkpoint"
accord audit export --from 0 --to 4 --out "$OUT/auditor/gp-entries.json" --workspace "$OUT/nodes/gp"
accord audit check "$OUT/auditor/gp-entries.json" --key "$(cat "$OUT/auditor/gp.key")"

echo
echo "== 10. A subject access request: what happened to one person's data (newest first)"
accord audit person --nhs-number "$NHS" --date-of-birth "$DOB" \
  --dataset registered-patients --sar "$OUT/subject-access.json" --workspace "$OUT/nodes/gp" \
  --as-role "information governance officer" --reason "subject access request by letter"
echo "   (one more share to this person is deferred for a safeguarding review: it is in"
echo "   the log and its proofs already, and joins this view on its date)"

echo
echo "== 11. Every node's audit log verifies"
printf '   %-9s' "gp:"
accord audit verify --checkpoints "$OUT/auditor/checkpoints" --workspace "$OUT/nodes/gp"
for org in hospital council; do
  printf '   %-9s' "$org:"
  accord audit verify --workspace "$OUT/nodes/$org"
done

echo
echo "Demo finished: workspaces in $OUT/nodes, extracts and truth in $OUT/extracts,"
echo "quality reports in $OUT/quality (docs/quality.md), catalogue exports in $OUT/catalog"
echo "(docs/catalog.md), linked pairs in $OUT/gp-hospital-pairs.csv (how linkage works:"
echo "docs/linkage.md), the signed agreement, its public register and ODRL in"
echo "$OUT/agreements (docs/agreements.md), the subject access response in"
echo "$OUT/subject-access.json (docs/audit.md)."
